"""Enrolment statuses and the state machine that decides which changes are legal.

::

    PENDING ──► SCANNED ──► ENROLLED                  (success)
       │           │
       └───────────┴──────► EXPIRED | DECLINED | CANCELLED | SUPERSEDED | FAILED

Only the transitions in ``TRANSITIONS`` are ever written; terminal states have none, so they
never change again. ``remote_target`` maps a status value from the API to where it would move
an enrolment, or None when the value is unknown (the enrolment then keeps its state and the raw
value is stored and shown).
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What a status word from the API means for the enrolment."""

    IN_PROGRESS = "in_progress"
    SUCCESS = "success"
    FAILURE = "failure"


#: The API's words for success and failure (a tenant may use any of them, in any case).
SUCCESS_WORDS = frozenset({"ENROLLED", "COMPLETED", "CONFIRMED", "SUCCESS"})
FAILURE_WORDS = frozenset({"EXPIRED", "DECLINED", "REJECTED", "FAILED", "CANCELLED"})


def classify(value: str) -> Outcome:
    """Map a status value to an outcome, case-insensitively; unknown values are in progress."""
    upper = value.strip().upper()
    if upper in SUCCESS_WORDS:
        return Outcome.SUCCESS
    if upper in FAILURE_WORDS:
        return Outcome.FAILURE
    return Outcome.IN_PROGRESS


class Status(StrEnum):
    """Where an enrolment stands; the values are stored in the database."""

    PENDING = "PENDING"
    SCANNED = "SCANNED"
    ENROLLED = "ENROLLED"
    EXPIRED = "EXPIRED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    SUPERSEDED = "SUPERSEDED"
    FAILED = "FAILED"


#: Still waiting for the phone: polled, and at most one per account.
ACTIVE: frozenset[Status] = frozenset({Status.PENDING, Status.SCANNED})
TERMINAL: frozenset[Status] = frozenset(Status) - ACTIVE
#: A phone scanned the code: it can only enrol or decline after scanning (the poller may never
#: see SCANNED between two polls, so the later states count too).
REACHED_PHONE: tuple[Status, ...] = (Status.SCANNED, Status.ENROLLED, Status.DECLINED)
#: Ended without an enrolment for a reason other than expiry.
ENDED_OTHERWISE: tuple[Status, ...] = (
    Status.DECLINED,
    Status.FAILED,
    Status.CANCELLED,
    Status.SUPERSEDED,
)
#: Finished without an enrolment, so a campaign may give the person a new QR code.
REISSUABLE: tuple[Status, ...] = (Status.EXPIRED, Status.DECLINED, Status.FAILED, Status.CANCELLED)

_ENDINGS = frozenset(
    {
        Status.ENROLLED,
        Status.EXPIRED,
        Status.DECLINED,
        Status.CANCELLED,
        Status.SUPERSEDED,
        Status.FAILED,
    }
)
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: _ENDINGS | {Status.SCANNED},
    Status.SCANNED: _ENDINGS,
    **{status: frozenset() for status in TERMINAL},
}

_FAILURES = {
    "EXPIRED": Status.EXPIRED,
    "DECLINED": Status.DECLINED,
    "REJECTED": Status.DECLINED,
    "CANCELLED": Status.CANCELLED,
    "CANCELED": Status.CANCELLED,
}
_IN_PROGRESS = {"PENDING": Status.PENDING, "SCANNED": Status.SCANNED}


def can_move(current: Status, target: Status) -> bool:
    """True when ``current`` → ``target`` is a legal transition."""
    return target in TRANSITIONS[current]


def remote_target(value: str, outcome: Outcome) -> Status | None:
    """Where the API's ``value`` (classified as ``outcome``) points; None when it is unknown."""
    upper = value.strip().upper()
    if outcome is Outcome.SUCCESS:
        return Status.ENROLLED
    if outcome is Outcome.FAILURE:
        return _FAILURES.get(upper, Status.FAILED)
    return _IN_PROGRESS.get(upper)


def is_known(value: str) -> bool:
    """True when the API's status ``value`` means something to the console."""
    return remote_target(value, classify(value)) is not None
