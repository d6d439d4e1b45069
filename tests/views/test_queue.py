"""The Pending queue page's plain data: ages, group titles, the capped note, the dialog's names
and the tally of what an action did."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from dashboard.domain.queue import (
    ActionOutcome,
    ActionResult,
    AgeGroup,
    QueueGroup,
    QueueItem,
    QueueSnapshot,
)
from dashboard.domain.roles import Permission
from dashboard.domain.statuses import Status
from dashboard.views import queue as view

T = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def item(ident: int, name: str, ago: timedelta) -> QueueItem:
    issued = T - ago
    return QueueItem(ident, uuid.uuid4(), name, None, None, Status.EXPIRED, issued,
                     issued + timedelta(minutes=5), "op", None)  # fmt: skip


def test_ages_read_coarsely() -> None:
    assert view.age(timedelta(seconds=59)) == "0 min"
    assert view.age(timedelta(minutes=14)) == "14 min"
    assert view.age(timedelta(hours=3, minutes=7)) == "3 h 7 min"
    assert view.age(timedelta(days=12, hours=5)) == "12 d 5 h"
    assert view.age(-timedelta(minutes=1)) == "0 min"


def test_a_capped_group_says_how_many_are_listed() -> None:
    items = (item(1, "a", timedelta(days=2)),)
    assert view.group_title(QueueGroup(AgeGroup.OLDER, 3000, items)) == "Older · 3000"
    note = view.capped_caption(QueueGroup(AgeGroup.OLDER, 3000, items))
    assert note is not None
    assert "newest 1 of 3000" in note
    assert view.capped_caption(QueueGroup(AgeGroup.OLDER, 1, items)) is None


def test_the_dialog_names_at_most_twenty() -> None:
    items = tuple(item(i, f"user{i}", timedelta(minutes=1)) for i in range(30))
    snapshot = QueueSnapshot(T, (QueueGroup(AgeGroup.UNDER_15_MIN, 30, items),))
    names = view.named([i.key for i in items] + ["e999"], snapshot)
    assert names[0] == "#0 user0"
    assert names[-1] == "… and 11 more"
    assert len(names) == 21


def test_the_tally_and_the_actions_a_role_may_take() -> None:
    done = ActionResult(1, "a", ActionOutcome.DONE, "ok", 9)
    skipped = ActionResult(2, "b", ActionOutcome.SKIPPED, "later")
    assert view.tally([done]) == ("success", "1 done, 0 skipped, 0 failed.")
    assert view.tally([done, skipped]) == ("warning", "1 done, 1 skipped, 0 failed.")
    assert view.permitted(lambda p: p is Permission.VIEW) == []
    labels = [a.label for a in view.permitted(lambda p: True)]
    assert labels == ["Re-issue", "Cancel", "Send / re-send invitation", "Revoke invitation"]
    rows = view.rows(
        [item(5, "<b>x</b>", timedelta(hours=2))], T, {}
    )  # shown in a dataframe: as typed
    assert rows[0]["Username"] == "<b>x</b>"
    assert rows[0]["Age"] == "2 h 0 min"
