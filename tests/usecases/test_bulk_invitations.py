"""A bulk invitation of 200 through every real part: the invite use-case queues one mail each,
the outbox sends them to a real SMTP server on loopback (aiosmtpd), and the link in each mail
received opens its own person's invitation on the public page's use-case, once the link is
revoked it opens nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from dashboard.domain.invitations import token_hash
from dashboard.mail.smtp import SmtpSender
from dashboard.settings import SmtpSettings
from dashboard.usecases.invitation_links import InvitationLinks
from dashboard.usecases.outbox import Outbox
from db.models import Account, Mail
from tests.support.console import Console
from tests.support.factories import account
from tests.support.mailserver import mail_server
from tests.support.waiting import wait_until

PEOPLE = 200
PUBLIC = "https://enrol.example.com"
LINK = re.compile(re.escape(PUBLIC) + r"/i/([A-Za-z0-9_-]{43})")


def test_two_hundred_invitations_reach_the_mail_server_each_with_its_own_link(
    console: Console,
) -> None:
    with console.sessions.begin() as session:
        people = [account(f"person{n:03}") for n in range(PEOPLE)]
        for n, person in enumerate(people):
            person.email = f"person{n:03}@example.com"
            person.display_name = f"Person {n:03}"
        session.add_all(people)
        session.flush()
        ids = [person.id for person in people]
    report = console.invitations.invite(ids, actor="op@example.com", language="nl")
    assert (len(report.invited), report.skipped) == (PEOPLE, ())

    with mail_server() as server:
        smtp = SmtpSettings(host=server.host, port=server.port, security="none", timeout=5)
        outbox = Outbox(console.sessions, SmtpSender(smtp), public_url=PUBLIC)
        sent = 0

        def all_sent() -> bool:
            nonlocal sent
            sent += outbox.send_due()
            return sent == PEOPLE

        wait_until(all_sent, 120, "200 mails sent")
        wait_until(lambda: len(server.received) == PEOPLE, 30, "200 mails received")
        received = server.received

    by_address = {str(m["To"].addresses[0].addr_spec): m for m in received}
    assert sorted(by_address) == sorted(f"person{n:03}@example.com" for n in range(PEOPLE))
    tokens = {}
    for address, message in by_address.items():
        body = message.get_body(("plain",))
        assert body is not None
        (token,) = set(LINK.findall(body.get_content()))
        tokens[address] = token
    assert len(set(tokens.values())) == PEOPLE
    with console.sessions() as session:
        stored = set(session.scalars(select(Mail.token_hash)))
        assert stored == {token_hash(t) for t in tokens.values()}
        assert session.scalar(select(func.count()).select_from(Account)) == PEOPLE

    links = InvitationLinks(console.sessions, console.enrolments, console.watching)
    for address in ("person000@example.com", "person123@example.com", "person199@example.com"):
        view = links.open(tokens[address])
        assert view is not None
        assert (view.name, view.language) == ("Person " + address[6:9], "nl")
    (result,) = console.invitations.revoke([report.invited[0].invitation_id], actor="op")
    assert result.done
    assert links.open(tokens["person000@example.com"]) is None
    assert links.open(tokens["person001@example.com"]) is not None
