"""The records of bulk onboarding: what a preview found in an upload, and what a run (or a
re-issue) did with each row; and the results as a CSV file. Plain data, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dashboard.domain.clock import iso
from dashboard.domain.records import CampaignView
from dashboard.domain.team_csv import csv_lines

RESULT_HEADER = (
    "line",
    "username",
    "display_name",
    "account_id",
    "outcome",
    "message",
    "expires_at",
)


@dataclass(frozen=True)
class PlannedRow:
    """A valid row: the name as shown, its unique key, the display name, the account id when
    the account exists already, the tenant's id when the identity store holds the user
    but the console does not (a run links it, creating nothing), and the e-mail address
    (normalised) the upload gave."""

    line: int
    username: str
    key: str
    display_name: str | None
    account_id: uuid.UUID | None = None
    tenant_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RejectedRow:
    """A row that will not be run, with the reason (a sentence)."""

    line: int
    username: str
    reason: str


@dataclass(frozen=True)
class Preview:
    """What ``run`` would do with an upload: ``new`` rows are new on the tenant (created
    there, then in the console), ``on_tenant`` rows exist on the tenant (linked), ``existing``
    rows are already in the console."""

    new: tuple[PlannedRow, ...]
    existing: tuple[PlannedRow, ...]
    duplicates: tuple[RejectedRow, ...]
    invalid: tuple[RejectedRow, ...]
    blank_lines: int = 0
    ignored_columns: tuple[str, ...] = ()
    on_tenant: tuple[PlannedRow, ...] = ()

    @property
    def runnable(self) -> tuple[PlannedRow, ...]:
        """New, on-the-tenant and existing rows, in file order."""
        rows = (*self.new, *self.on_tenant, *self.existing)
        return tuple(sorted(rows, key=lambda row: row.line))


class RowOutcome(StrEnum):
    """What happened to one row."""

    ISSUED = "issued"
    SKIPPED = "skipped"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"


@dataclass(frozen=True)
class RowResult:
    """One row's result, as the results CSV lists it."""

    line: int
    username: str
    display_name: str | None
    account_id: uuid.UUID | None
    outcome: RowOutcome
    message: str
    expires_at: datetime | None = None
    enrolment_id: int | None = None
    created: bool = False


@dataclass(frozen=True)
class RunReport:
    """The results of one run (or re-issue) of a campaign; ``stopped`` says why it stopped
    early (empty when it went through every row)."""

    campaign: CampaignView
    results: tuple[RowResult, ...]
    stopped: str = ""
    counts: dict[RowOutcome, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tally = dict.fromkeys(RowOutcome, 0)
        for result in self.results:
            tally[result.outcome] += 1
        object.__setattr__(self, "counts", tally)

    @property
    def remaining(self) -> int:
        """Rows a resume would do again (failed or not attempted)."""
        return self.counts[RowOutcome.FAILED] + self.counts[RowOutcome.NOT_ATTEMPTED]


#: Called after each row: (rows done, rows in all, the row's result).
Progress = Callable[[int, int, RowResult], None]


def result_csv(results: Iterable[RowResult]) -> Iterator[str]:
    """The per-row results as CSV lines (header first)."""
    return csv_lines(
        RESULT_HEADER,
        (
            (
                str(r.line) if r.line else "",
                r.username,
                r.display_name or "",
                "" if r.account_id is None else str(r.account_id),
                r.outcome.value,
                r.message,
                iso(r.expires_at),
            )
            for r in results
        ),
    )
