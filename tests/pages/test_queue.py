"""The Pending queue page (AppTest): a viewer sees the queue and no actions; an operator selects
two items, re-issues them through the confirmation dialog, and each is recorded under their
e-mail address."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.domain.queue import QueueAction
from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import Status
from dashboard.views import queue as view
from tests.support.apptest import Env, assert_no_exception, go, labelled, signed_in, texts
from tests.support.console import Console

OPERATOR = "oscar@example.com"
VIEWER = "vera@example.com"
NEWEST = "queue-UNDER_15_MIN-0"  # the youngest group's table, before any action


@pytest.fixture
def waiting(env: Env, seeder: Console, monkeypatch: pytest.MonkeyPatch) -> list[EnrolmentView]:
    """Three people waiting for their phone, newest first; roles for oscar and vera."""
    monkeypatch.setenv("ROLES_OPERATORS", OPERATOR)
    monkeypatch.setenv("ROLES_VIEWERS", VIEWER)
    issued = []
    for name in ("ann.q", "bob.q", "cat.q"):
        account = seeder.accounts.create(name, actor="desk", email=f"{name}@example.com")
        issued.append(seeder.enrolments.issue(account.id, actor="desk"))
    return issued[::-1]


def shown(at: AppTest) -> list[str]:
    """The texts of the page's markdown and text elements (the dialog's among them)."""
    return [str(e.value) for e in [*at.markdown, *at.text]]


def buttons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def test_a_viewer_sees_the_queue_but_no_actions(waiting: list[EnrolmentView]) -> None:
    at = go(signed_in(VIEWER), "queue")
    assert_no_exception(at)
    assert [h.value for h in at.subheader] == [
        "Under 15 minutes · 3",
        "Under an hour · 0",
        "Under a day · 0",
        "Older · 0",
    ]
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["cat.q", "bob.q", "ann.q"]
    assert list(table["E-mail"]) == ["cat.q@example.com", "bob.q@example.com", "ann.q@example.com"]
    assert not buttons(at) & {"Re-issue", "Cancel", "Yes, re-issue"}
    assert view.VIEW_ONLY in texts(at)


def test_an_operator_re_issues_two_through_the_dialog(
    waiting: list[EnrolmentView], seeder: Console
) -> None:
    at = go(signed_in(OPERATOR), "queue")
    assert_no_exception(at)
    assert labelled(at.button, "Re-issue").disabled  # nothing selected yet
    at.session_state[NEWEST] = {"selection": {"rows": [0, 2], "columns": []}}  # cat and ann
    at.run()
    assert "2 selected." in texts(at)
    labelled(at.button, "Re-issue").click()
    at.run()
    assert_no_exception(at)
    assert view.question(view.action_look(QueueAction.REISSUE), 2) in shown(at)
    assert "#3 cat.q\n#1 ann.q" in shown(at)
    assert seeder.enrolments.get(waiting[0].id).status is Status.PENDING  # asked, not done
    labelled(at.button, "Yes, re-issue").click()
    at.run()

    assert_no_exception(at)
    assert [s.value for s in at.success] == ["Re-issue: 2 done, 0 skipped, 0 failed."]
    assert "Yes, re-issue" not in buttons(at)  # the dialog closed
    cat, bob, ann = waiting
    for old in (cat, ann):
        assert seeder.enrolments.get(old.id).status is Status.SUPERSEDED
        assert seeder.enrolments.events(old.id)[-1].actor == OPERATOR
        new = seeder.enrolments.active(old.account_id)
        assert new is not None
        assert (new.issued_by, new.status) == (OPERATOR, Status.PENDING)
    assert seeder.enrolments.get(bob.id).status is Status.PENDING  # not selected: untouched
    assert [e.actor for e in seeder.enrolments.events(bob.id)] == ["desk"]


def test_back_closes_the_dialog_and_changes_nothing(
    waiting: list[EnrolmentView], seeder: Console
) -> None:
    at = go(signed_in(OPERATOR), "queue")
    at.session_state[NEWEST] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    labelled(at.button, "Cancel").click()
    at.run()
    assert view.question(view.action_look(QueueAction.CANCEL), 1) in shown(at)
    labelled(at.button, "Back").click()
    at.run()
    assert_no_exception(at)
    assert "Back" not in buttons(at)
    assert all(seeder.enrolments.get(w.id).status is Status.PENDING for w in waiting)
