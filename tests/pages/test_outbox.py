"""The Outbox page (AppTest): in demo mode the mailer sends a queued invitation to the built-in
mail catcher and the page shows it, counted as sent, with its link as a button and its HTML
sanitised; a hostile name arrives escaped. Without SMTP_HOST on a tenant the page says what to
set; a failed mail shows its error, a viewer cannot retry it and an operator can."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dashboard.domain.invitations import token_hash
from dashboard.usecases.database import Database
from dashboard.views import outbox as view
from db.models import InvitationEvent, Mail
from tests.support.apptest import (
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    go,
    messages,
    open_page,
    run_until,
    signed_in,
    texts,
    unescaped,
)
from tests.support.factories import account, invitation, mail
from tests.support.waiting import wait_until

OPERATOR = "oscar@example.com"
VIEWER = "vera@example.com"
HOSTILE = '<script>alert("x")</script> **Bold** [link](http://evil.example)'


def queue_mail(
    database_url: str, name: str, display: str | None = None, **mail_fields: object
) -> int:
    """An account with a live invitation (from now) and its first mail; the mail's id."""
    from dashboard.domain.clock import utc_now

    db = Database.open(database_url)
    try:
        with db.sessions.begin() as session:
            owner = account(name)
            owner.display_name = display
            session.add(owner)
            session.flush()
            row = invitation(owner, at=utc_now())
            session.add(row)
            session.flush()
            item = mail(row)
            for field, value in mail_fields.items():
                setattr(item, field, value)
            session.add(item)
            session.flush()
            return item.id
    finally:
        db.close()


def stored(database_url: str, mail_id: int) -> tuple[Mail, list[InvitationEvent]]:
    db = Database.open(database_url)
    try:
        with db.sessions() as session:
            found = session.get(Mail, mail_id)
            assert found is not None
            return found, list(session.scalars(select(InvitationEvent)))
    finally:
        db.close()


def test_demo_mode_shows_what_the_catcher_received(
    demo_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTP_HOST", raising=False)
    ident = queue_mail(demo_env.database_url, "ann", display=HOSTILE)
    at = open_page("outbox")
    run_until(at, lambda a: bool(list(a.get("link_button"))))
    assert_no_exception(at)
    (button,) = list(at.get("link_button"))
    link = str(button.proto.url)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/i/[A-Za-z0-9_-]{43}", link)  # the page's port
    wait_until(lambda: stored(demo_env.database_url, ident)[0].status == "SENT", what="sent")
    sent, events = stored(demo_env.database_url, ident)
    assert sent.status == "SENT"
    assert sent.token_hash == token_hash(link.rsplit("/", 1)[1])
    assert [e.kind for e in events] == ["SENT"]
    (part,) = list(at.get("html"))
    assert "<script" not in str(part.proto.body)
    assert not part.proto.unsafe_allow_javascript
    assert view.CAUGHT_INTRO in texts(at)
    assert_rendered_harmlessly(at, HOSTILE, HOSTILE[:39])
    run_until(at, lambda a: {m.label: m.value for m in a.metric}["Sent"] == "1")
    assert {m.label: m.value for m in at.metric}["Failed"] == "0"


@pytest.fixture
def roles(env: Env, monkeypatch: pytest.MonkeyPatch) -> Env:
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.setenv("ROLES_OPERATORS", OPERATOR)
    monkeypatch.setenv("ROLES_VIEWERS", VIEWER)
    return env


def failed_mail(env: Env) -> int:
    return queue_mail(
        env.database_url,
        "bob",
        status="FAILED",
        attempts=5,
        last_error="The mail server smtp.example.com:587 answered 550 5.1.1 No such user.",
    )


def test_without_a_mail_server_the_page_says_what_to_set(roles: Env) -> None:
    ident = queue_mail(roles.database_url, "cat")
    at = go(signed_in(VIEWER), "outbox")
    assert_no_exception(at)
    assert any("Set SMTP_HOST" in m for m in messages(at))
    assert not list(at.get("link_button"))  # no catcher outside demo mode
    assert stored(roles.database_url, ident)[0].status == "QUEUED"


def test_a_viewer_sees_a_failed_mail_and_cannot_retry_it(roles: Env) -> None:
    failed_mail(roles)
    at = go(signed_in(VIEWER), "outbox")
    assert_no_exception(at)
    assert any("550 5.1.1 No such user" in m for m in messages(at))
    assert not [b for b in at.button if b.label == "Retry"]
    assert view.VIEW_ONLY in texts(at)


def test_an_operator_retries_a_failed_mail(roles: Env) -> None:
    ident = failed_mail(roles)
    at = go(signed_in(OPERATOR), "outbox")
    (retry,) = [b for b in at.button if b.label == "Retry"]
    at = retry.click().run()
    assert_no_exception(at)
    wait_until(lambda: stored(roles.database_url, ident)[0].status == "QUEUED", what="queued")
    mail_row, events = stored(roles.database_url, ident)
    assert mail_row.attempts == 0
    assert [(e.kind, e.actor) for e in events] == [("RETRIED", OPERATOR)]
    assert any("queued again" in unescaped(str(s.value)) for s in at.success)
    assert not [b for b in at.button if b.label == "Retry"]
