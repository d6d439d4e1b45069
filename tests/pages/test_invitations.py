"""Invitations on the operator's pages (AppTest, the real simulator, a SQLite file): Send
invitation on Accounts (with a language), on Enrol device and for a whole campaign on Bulk
onboarding; the address edited, malformed ones and header injections refused with a sentence;
a viewer sees and cannot send; the queue's invitation rows revoked through the dialog with the
operator recorded; the Enrolments timeline shows the invitation's steps; mails waiting for
SMTP_HOST are said."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.domain.invitations import InvitationState
from dashboard.domain.queue import QueueAction
from dashboard.domain.records import AccountView
from dashboard.usecases.bulk import BulkOnboarding
from dashboard.usecases.campaigns import Campaigns
from dashboard.views import invitations as view
from dashboard.views import queue as queue_view
from db.models import InvitationEvent, Mail
from tests.support.apptest import (
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    go,
    labelled,
    messages,
    open_page,
    signed_in,
    texts,
    unescaped,
)
from tests.support.console import Console

OPERATOR = "oscar@example.com"
VIEWER = "vera@example.com"
INJECTION = "a@b.c\r\nBcc: x@y.z"


@pytest.fixture
def roles(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLES_OPERATORS", OPERATOR)
    monkeypatch.setenv("ROLES_VIEWERS", VIEWER)


@pytest.fixture
def ann(seeder: Console) -> AccountView:
    return seeder.accounts.create("ann.i", actor="desk", email="ann.i@example.com")


def said(at: AppTest) -> str:
    """What the page says, as a person reads it (Markdown escapes removed)."""
    return unescaped(texts(at))


def pick(at: AppTest, account: AccountView) -> AppTest:
    """Choose ``account`` in the Accounts page's invitation section."""
    box = at.selectbox(key="invite-account")
    return box.set_value(str(account.id)).run()


def test_an_operator_sends_an_invitation_in_dutch_from_accounts(
    roles: None, ann: AccountView, seeder: Console
) -> None:
    at = pick(go(signed_in(OPERATOR), "accounts"), ann)
    assert_no_exception(at)
    assert "Not invited by e-mail yet." in said(at)
    at.segmented_control(key=f"accounts-language-{ann.id}").set_value("nl").run()
    at.button(key=f"accounts-send-{ann.id}").click().run()
    assert_no_exception(at)
    assert [unescaped(s.value) for s in at.success] == ["1 invitation(s) queued for sending."]
    current = seeder.invitations.current(ann.id)
    assert current is not None
    assert (current.state, current.language, current.created_by) == (
        InvitationState.INVITED,
        "nl",
        OPERATOR,
    )
    assert f"Invitation #{current.id} to ann.i@example.com (nl)" in said(at)
    history = at.table[-1].value  # the account's timeline
    assert list(history["To"]) == ["Invitation created"]
    assert list(history["By"]) == [OPERATOR]
    # Not in demo mode and no SMTP_HOST: the mail waits, and the page says so.
    assert view.mail_note(None, False) in [i.value for i in at.info]


def test_a_viewer_sees_the_invitation_but_cannot_send(
    roles: None, ann: AccountView, seeder: Console
) -> None:
    seeder.invitations.invite([ann.id], actor="desk")
    at = pick(go(signed_in(VIEWER), "accounts"), ann)
    assert_no_exception(at)
    assert "invited, not opened." in said(at)
    assert view.VIEW_ONLY in said(at)
    assert view.SEND_LABEL not in {b.label for b in at.button}
    assert "Save address" not in {b.label for b in at.button}


@pytest.mark.parametrize("typed", ["ann@", INJECTION, "<b>x</b>@example.com\u202e"])
def test_a_bad_address_gets_a_sentence(
    roles: None, ann: AccountView, seeder: Console, typed: str
) -> None:
    at = pick(go(signed_in(OPERATOR), "accounts"), ann)
    labelled(at.text_input, "E-mail address").set_value(typed)
    labelled(at.button, "Save address").click().run()
    assert_no_exception(at)
    [error] = messages(at)
    assert "e-mail address" in error
    assert_rendered_harmlessly(at, typed)
    assert seeder.accounts.get(ann.id).email == "ann.i@example.com"


def test_the_address_is_edited_then_used(roles: None, seeder: Console) -> None:
    bob = seeder.accounts.create("bob.i", actor="desk")
    at = pick(go(signed_in(OPERATOR), "accounts"), bob)
    assert labelled(at.button, view.SEND_LABEL).disabled  # no address yet
    labelled(at.text_input, "E-mail address").set_value(" Bob@EXAMPLE.com ")
    labelled(at.button, "Save address").click().run()
    assert_no_exception(at)
    assert "The e-mail address is now Bob@example.com." in [unescaped(s.value) for s in at.success]
    at = pick(at, seeder.accounts.get(bob.id))
    at.button(key=f"accounts-send-{bob.id}").click().run()
    with seeder.sessions() as session:
        assert [m.to_address for m in session.scalars(select(Mail))] == ["Bob@example.com"]


def test_the_enrol_page_invites_the_account_at_hand(ann: AccountView, seeder: Console) -> None:
    at = open_page("enrol", account=str(ann.id))
    assert_no_exception(at)
    at.button(key=f"enrol-send-{ann.id}").click().run()
    assert_no_exception(at)
    assert "1 invitation(s) queued for sending." in [unescaped(s.value) for s in at.success]
    current = seeder.invitations.current(ann.id)
    assert current is not None
    assert (current.created_by, current.language) == ("local", "en")


def test_a_campaign_is_invited_from_bulk_onboarding(seeder: Console) -> None:
    team = b"username,email\n" + b"".join(
        f"team{n:02d},team{n:02d}@example.com\n".encode() for n in range(20)
    )
    bulk = BulkOnboarding(seeder.accounts, seeder.enrolments, Campaigns(seeder.sessions))
    report = bulk.run(bulk.preview(team + b"nomail,\n"), "Remote team", actor="desk")
    at = open_page("bulk")
    at.button(key=f"campaign-{report.campaign.id}-send").click().run()
    assert_no_exception(at)
    assert "20 invitation(s) queued for sending; 1 skipped." in [
        unescaped(w.value) for w in at.warning
    ]
    skipped = at.dataframe[-1].value
    assert list(skipped["Account"]) == ["nomail"]
    with seeder.sessions() as session:
        assert len(list(session.scalars(select(Mail)))) == 20


def test_the_queue_revokes_invitations_through_the_dialog(roles: None, seeder: Console) -> None:
    people = [
        seeder.accounts.create(n, actor="desk", email=f"{n}@example.com").id
        for n in ("cat.i", "dan.i")
    ]
    seeder.invitations.invite(people, actor="desk")
    at = go(signed_in(OPERATOR), "queue")
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert list(table["Status"]) == ["Invited, not opened"] * 2
    at.session_state["queue-UNDER_15_MIN-0"] = {"selection": {"rows": [0, 1], "columns": []}}
    at.run()
    labelled(at.button, "Revoke invitation").click().run()
    shown = [str(e.value) for e in [*at.markdown, *at.text]]
    assert queue_view.question(queue_view.action_look(QueueAction.REVOKE), 2) in shown
    labelled(at.button, "Yes, revoke invitation").click().run()
    assert_no_exception(at)
    assert [unescaped(s.value) for s in at.success] == [
        "Revoke invitation: 2 done, 0 skipped, 0 failed."
    ]
    for account in people:
        last = seeder.invitations.timeline(account_id=account)[-1]
        assert (last.step, last.actor) == ("REVOKED", OPERATOR)


def test_a_viewer_has_no_invitation_actions_on_the_queue(
    roles: None, ann: AccountView, seeder: Console
) -> None:
    seeder.invitations.invite([ann.id], actor="desk")
    at = go(signed_in(VIEWER), "queue")
    assert_no_exception(at)
    assert not {"Send / re-send invitation", "Revoke invitation"} & {b.label for b in at.button}


def test_the_enrolments_timeline_shows_the_invitation_steps(
    ann: AccountView, seeder: Console
) -> None:
    invitation = seeder.invitations.invite([ann.id], actor="desk").invited[0].invitation_id
    enrolment = seeder.enrolments.issue(ann.id, actor="public page")
    with seeder.sessions.begin() as session:  # what the public page writes when the link opens
        for kind in ("OPENED", "QR_ISSUED"):
            step = InvitationEvent(invitation_id=invitation, kind=kind, actor="public page")
            step.at, step.detail = enrolment.issued_at, ""
            step.enrolment_id = enrolment.id if kind == "QR_ISSUED" else None
            session.add(step)
    at = open_page("enrolments")
    table_key = at.dataframe[0].key
    assert table_key is not None
    at.session_state[table_key] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert_no_exception(at)
    timeline = at.dataframe[1].value
    assert list(timeline["To"]) == [
        "Invitation created",
        "Link opened",
        "QR code issued",
        "Pending",
    ]
    assert list(timeline["Of"])[-1] == f"QR code #{enrolment.id}"
    assert not messages(at)
