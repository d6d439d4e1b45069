"""The state machine: every pair of statuses, and remote values applied through the use-cases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from dashboard.domain.records import EnrolmentView
from dashboard.domain.statuses import (
    ACTIVE,
    TERMINAL,
    TRANSITIONS,
    Outcome,
    Status,
    can_move,
    classify,
    remote_target,
)
from dashboard.errors import ConflictError
from dashboard.omi.records import RemoteStatus
from db.models import ACTIVE_STATUSES
from tests.support.console import Console

LEGAL = {
    (Status.PENDING, to)
    for to in (
        Status.SCANNED,
        Status.ENROLLED,
        Status.EXPIRED,
        Status.DECLINED,
        Status.CANCELLED,
        Status.SUPERSEDED,
        Status.FAILED,
    )
} | {
    (Status.SCANNED, to)
    for to in (
        Status.ENROLLED,
        Status.EXPIRED,
        Status.DECLINED,
        Status.CANCELLED,
        Status.SUPERSEDED,
        Status.FAILED,
    )
}


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(Status, Status)))
def test_transition_table(frm: Status, to: Status) -> None:
    assert can_move(frm, to) is ((frm, to) in LEGAL)


def test_terminal_states_have_no_way_out() -> None:
    assert all(TRANSITIONS[s] == frozenset() for s in TERMINAL)
    assert frozenset(Status) == ACTIVE | TERMINAL
    assert {s.value for s in ACTIVE} == set(ACTIVE_STATUSES)  # the database's partial indexes


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("PENDING", Status.PENDING),
        ("pending", Status.PENDING),
        ("SCANNED", Status.SCANNED),
        ("ENROLLED", Status.ENROLLED),
        ("completed", Status.ENROLLED),
        ("CONFIRMED", Status.ENROLLED),
        ("SUCCESS", Status.ENROLLED),
        ("EXPIRED", Status.EXPIRED),
        ("DECLINED", Status.DECLINED),
        ("REJECTED", Status.DECLINED),
        ("CANCELLED", Status.CANCELLED),
        ("FAILED", Status.FAILED),
        ("WAITING_FOR_DEVICE", None),
        ("", None),
    ],
)
def test_remote_values(value: str, target: Status | None) -> None:
    assert remote_target(value, classify(value)) is target


# --- through the use-cases, on real databases ------------------------------------------------


def remote(value: str, device: str | None = None) -> RemoteStatus:
    return RemoteStatus(value, classify(value), datetime.now(UTC), device)


def enrolment_in(console: Console, status: Status, name: str) -> EnrolmentView:
    """An enrolment brought to ``status`` through the use-cases only."""
    account = console.accounts.create(name, actor="op")
    first = console.enrolments.issue(account.id, actor="op")
    if status is Status.PENDING:
        return first
    if status is Status.SUPERSEDED:
        console.enrolments.issue(account.id, actor="op")
        return console.enrolments.get(first.id)
    if status is Status.CANCELLED:
        return console.enrolments.cancel(first.id, actor="op")
    if status is Status.ENROLLED:
        return console.enrolments.apply_status(first.id, remote("ENROLLED", "Pixel"))
    return console.enrolments.apply_status(first.id, remote(status.value))


REMOTE_VALUES = ("PENDING", "SCANNED", "ENROLLED", "EXPIRED", "DECLINED", "FAILED", "ODD_VALUE")


@pytest.mark.parametrize("start", list(Status))
def test_remote_values_from_every_state(console: Console, start: Status) -> None:
    for n, value in enumerate(REMOTE_VALUES):
        row = enrolment_in(console, start, f"user{start.value.lower()}{n}")
        assert row.status is start
        after = console.enrolments.apply_status(row.id, remote(value))
        target = remote_target(value, classify(value))
        if start in TERMINAL:
            expected = start  # never changes again
        elif target is not None and can_move(start, target):
            expected = target
        else:
            expected = start
        assert after.status is expected, (start, value)
        assert console.enrolments.get(row.id).status is expected
        events = console.enrolments.events(row.id)
        if expected is not start:
            assert (events[-1].from_status, events[-1].to_status) == (start, expected)
            assert events[-1].actor == "poller"
        if start in ACTIVE and after.status in TERMINAL:
            assert after.finished_at is not None
            assert console.enrolments.qr_png(row.id) is None


def test_unknown_value_is_kept_shown_and_logged_once(console: Console) -> None:
    row = enrolment_in(console, Status.PENDING, "oddity")
    before = len(console.enrolments.events(row.id))
    for _ in range(3):
        after = console.enrolments.apply_status(row.id, remote("AWAITING_BIOMETRICS"))
    assert after.status is Status.PENDING
    assert after.api_status == "AWAITING_BIOMETRICS"
    events = console.enrolments.events(row.id)
    assert len(events) == before + 1
    assert "AWAITING_BIOMETRICS" in events[-1].detail
    assert (events[-1].from_status, events[-1].to_status) == ("PENDING", "PENDING")
    assert console.enrolments.apply_status(row.id, remote("SCANNED")).status is Status.SCANNED
    assert (
        console.enrolments.apply_status(row.id, remote("AWAITING_BIOMETRICS")).status
        is Status.SCANNED
    )


def test_scanned_never_goes_back_to_pending(console: Console) -> None:
    row = enrolment_in(console, Status.SCANNED, "noback")
    assert console.enrolments.apply_status(row.id, remote("PENDING")).status is Status.SCANNED
    assert "not a legal change" in console.enrolments.events(row.id)[-1].detail


def test_enrolled_records_device_and_time(console: Console) -> None:
    row = enrolment_in(console, Status.SCANNED, "devices")
    done = console.enrolments.apply_status(row.id, remote("ENROLLED", "Pixel 9"))
    assert done.status is Status.ENROLLED
    assert done.device_name == "Pixel 9"
    assert done.time_to_enrol is not None
    assert done.time_to_enrol.total_seconds() >= 0
    assert console.enrolments.apply_status(row.id, remote("DECLINED")).status is Status.ENROLLED


@pytest.mark.parametrize("start", sorted(TERMINAL))
def test_cancel_refuses_finished(console: Console, start: Status) -> None:
    row = enrolment_in(console, start, f"fin{start.value.lower()}")
    with pytest.raises(ConflictError, match="already"):
        console.enrolments.cancel(row.id, actor="op")


def test_outcome_enum_is_what_the_mapping_expects() -> None:
    assert {o.name for o in Outcome} == {"IN_PROGRESS", "SUCCESS", "FAILURE"}
