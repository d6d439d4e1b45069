"""The pending queue on real databases (SQLite file, PostgreSQL) against the real simulator,
with an injected clock: who is in it, by age group, filtered; the bulk actions, recorded with
the operator on every enrolment they touch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain.queue import ActionOutcome as Done
from dashboard.domain.queue import AgeGroup, QueueAction, QueueFilter, QueueSnapshot, age_group
from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import Status, classify
from dashboard.errors import InputError
from dashboard.omi.records import RemoteStatus
from dashboard.usecases.campaigns import Campaigns
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, assert_consistent, open_console
from tests.support.simulator import Simulator

T = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


@pytest.fixture
def clock() -> Clock:
    return Clock(T)


@pytest.fixture
def queued(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock) as console:
        yield console


class Desk:
    """Issues QR codes as if some time ago, and reports the phone's answers."""

    def __init__(self, console: Console, clock: Clock) -> None:
        self.console, self.clock = console, clock

    def issue(
        self, name: str, ago: timedelta, *, by: str = "op", campaign: int | None = None
    ) -> EnrolmentView:
        self.clock.now = T - ago
        found = self.console.accounts.search(name)
        account = found[0] if found else self.console.accounts.create(name, actor=by)
        made = self.console.enrolments.issue(account.id, actor=by, campaign_id=campaign)
        self.clock.now = T
        return made

    def report(self, enrolment: EnrolmentView, value: str) -> None:
        remote = RemoteStatus(value, classify(value), None, None)
        self.console.enrolments.apply_status(enrolment.id, remote)


def names(snapshot: QueueSnapshot) -> dict[AgeGroup, list[str]]:
    return {g.group: [i.username for i in g.items] for g in snapshot.groups}


def test_age_groups_have_exclusive_upper_bounds() -> None:
    assert age_group(timedelta(0)) is AgeGroup.UNDER_15_MIN
    assert age_group(-MIN) is AgeGroup.UNDER_15_MIN  # a clock behind the database: new
    assert age_group(15 * MIN) is AgeGroup.UNDER_1_H
    assert age_group(timedelta(hours=1)) is AgeGroup.UNDER_1_DAY
    assert age_group(timedelta(days=1)) is AgeGroup.OLDER


def test_the_queue_holds_what_is_unfinished_by_age(queued: Console, clock: Clock) -> None:
    desk = Desk(queued, clock)
    desk.issue("pend", 5 * MIN)
    desk.report(desk.issue("scan", 20 * MIN), "SCANNED")
    desk.report(desk.issue("expd", timedelta(hours=3)), "EXPIRED")
    desk.report(desk.issue("decl", timedelta(days=2)), "DECLINED")
    desk.report(desk.issue("fail", 10 * MIN), "FAILED")
    desk.issue("edge", 15 * MIN)  # exactly 15 minutes: the next group
    desk.report(desk.issue("done", MIN), "ENROLLED")
    queued.enrolments.cancel(desk.issue("canc", 2 * MIN).id, actor="op")
    # Expired, then re-issued: only the new code counts, once.
    desk.report(desk.issue("again", timedelta(days=3)), "EXPIRED")
    desk.issue("again", 30 * MIN)
    # Expired, then re-issued and enrolled: finished.
    desk.report(desk.issue("fixed", timedelta(days=3)), "EXPIRED")
    desk.report(desk.issue("fixed", 40 * MIN), "ENROLLED")
    # Enrolled once, then a second code ended without an enrolment: unfinished again.
    desk.report(desk.issue("second", timedelta(days=5)), "ENROLLED")
    desk.report(desk.issue("second", timedelta(hours=2)), "EXPIRED")

    snapshot = queued.queue.snapshot()
    assert snapshot.at == T
    assert names(snapshot) == {
        AgeGroup.UNDER_15_MIN: ["pend", "fail"],
        AgeGroup.UNDER_1_H: ["edge", "scan", "again"],
        AgeGroup.UNDER_1_DAY: ["second", "expd"],
        AgeGroup.OLDER: ["decl"],
    }
    assert [g.total for g in snapshot.groups] == [2, 3, 2, 1]
    assert snapshot.total == 8
    statuses = {i.username: i.status for i in snapshot.items}
    assert statuses["scan"] is Status.SCANNED
    assert statuses["again"] is Status.PENDING
    assert statuses["second"] is Status.EXPIRED

    clock.now = T + timedelta(days=1)  # the groups follow the clock
    assert [g.total for g in queued.queue.snapshot().groups] == [0, 0, 0, 8]


def test_filters_by_operator_and_campaign_and_a_capped_group_says_so(
    queued: Console, clock: Clock
) -> None:
    desk = Desk(queued, clock)
    spring = Campaigns(queued.sessions).open("Spring", actor="op")
    desk.issue("ann1", 1 * MIN, by="ann@example.com", campaign=spring.id)
    desk.issue("ann2", 2 * MIN, by="ann@example.com")
    desk.issue("bob1", 3 * MIN, by="bob@example.com", campaign=spring.id)
    desk.report(desk.issue("bob2", timedelta(days=9), by="bob@example.com"), "EXPIRED")

    assert queued.queue.operators() == ["ann@example.com", "bob@example.com"]
    ann = queued.queue.snapshot(QueueFilter(issued_by="ann@example.com"))
    assert sorted(i.username for i in ann.items) == ["ann1", "ann2"]
    in_spring = queued.queue.snapshot(QueueFilter(campaign_id=spring.id))
    assert sorted(i.username for i in in_spring.items) == ["ann1", "bob1"]
    both = queued.queue.snapshot(QueueFilter("bob@example.com", spring.id))
    assert [i.username for i in both.items] == ["bob1"]

    capped = queued.queue.snapshot(cap=2)
    newest = capped.groups[0]
    assert (newest.total, [i.username for i in newest.items], newest.capped) == (
        3,
        ["ann1", "ann2"],
        True,
    )
    assert not capped.groups[3].capped


def test_re_issue_records_the_operator_on_every_enrolment_it_touched(
    queued: Console, clock: Clock
) -> None:
    desk = Desk(queued, clock)
    spring = Campaigns(queued.sessions).open("Spring", actor="op")
    waiting = desk.issue("wait", 20 * MIN, campaign=spring.id)
    lapsed = desk.issue("lapse", timedelta(days=2), campaign=spring.id)
    desk.report(lapsed, "EXPIRED")
    operator = "ann@example.com"

    results = queued.queue.act(QueueAction.REISSUE, [waiting.id, lapsed.id], actor=operator)
    assert [(r.enrolment_id, r.outcome) for r in results] == [
        (waiting.id, Done.DONE),
        (lapsed.id, Done.DONE),
    ]
    for old, result in zip((waiting, lapsed), results, strict=True):
        assert result.new_enrolment_id is not None
        new = queued.enrolments.get(result.new_enrolment_id)
        assert (new.status, new.issued_by, new.account_id) == (
            Status.PENDING,
            operator,
            old.account_id,
        )
        [issued] = queued.enrolments.events(new.id)
        assert issued.actor == operator
        touched = queued.enrolments.events(old.id)[-1]
        assert touched.actor == operator
    assert queued.enrolments.get(waiting.id).status is Status.SUPERSEDED
    last = queued.enrolments.events(lapsed.id)[-1]
    assert (last.from_status, last.to_status) == ("EXPIRED", "EXPIRED")
    assert f"new QR code #{results[1].new_enrolment_id}" in last.detail
    in_queue = queued.queue.snapshot()
    assert names(in_queue)[AgeGroup.UNDER_15_MIN] == ["lapse", "wait"]
    assert {i.campaign_id for i in in_queue.items} == {spring.id}  # kept in the campaign

    again = queued.queue.act(QueueAction.REISSUE, [lapsed.id], actor=operator)
    assert again[0].outcome is Done.SKIPPED
    assert "newer QR code" in again[0].message
    assert_consistent(queued)


def test_cancel_ends_the_waiting_ones_and_skips_the_rest(queued: Console, clock: Clock) -> None:
    desk = Desk(queued, clock)
    pending = desk.issue("pend", 5 * MIN)
    scanned = desk.issue("scan", 6 * MIN)
    desk.report(scanned, "SCANNED")
    lapsed = desk.issue("lapse", timedelta(hours=5))
    desk.report(lapsed, "EXPIRED")
    operator = "bob@example.com"

    ids = [pending.id, scanned.id, lapsed.id, 999_999]
    results = queued.queue.act(QueueAction.CANCEL, ids, actor=operator)
    assert [r.outcome for r in results] == [Done.DONE, Done.DONE, Done.SKIPPED, Done.FAILED]
    assert "nothing to cancel" in results[2].message
    for row in (pending, scanned):
        assert queued.enrolments.get(row.id).status is Status.CANCELLED
        last = queued.enrolments.events(row.id)[-1]
        assert (last.to_status, last.actor) == ("CANCELLED", operator)
    assert [i.username for i in queued.queue.snapshot().items] == ["lapse"]
    assert_consistent(queued)


def test_an_action_needs_an_operator_and_a_selection(queued: Console) -> None:
    with pytest.raises(InputError, match="operator"):
        queued.queue.act(QueueAction.CANCEL, [1], actor=" ")
    with pytest.raises(InputError, match="at least one"):
        queued.queue.act(QueueAction.CANCEL, [], actor="op")


def test_a_refused_credential_stops_a_re_issue_at_once(
    queued: Console, clock: Clock, api: Simulator
) -> None:
    desk = Desk(queued, clock)
    rows = [desk.issue(name, 5 * MIN) for name in ("one", "two", "three")]
    api.fault(route="enrol", status=403, count=5, json={"error": "insufficient_scope"})
    results = queued.queue.act(QueueAction.REISSUE, [r.id for r in rows], actor="op")
    assert [r.outcome for r in results] == [Done.FAILED] * 3
    assert [r.message.startswith("Not attempted") for r in results] == [False, True, True]
    assert all(queued.enrolments.get(r.id).status is Status.PENDING for r in rows)
    assert_consistent(queued)
