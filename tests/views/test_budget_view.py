"""The System page's request-budget section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dashboard.views import system

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Status:
    max_rps: float = 20.0
    rate: float = 19.6
    factor: float = 1.0
    throttled: bool = False
    paused_until: datetime | None = None
    reason: str | None = None
    throttled_at: datetime | None = None
    pending: int = 2001
    watched: int = 1
    floor: float = 200.1
    longest_wait: float | None = 118.4


def metrics(section: system.Section) -> dict[str, str]:
    return dict(section.metrics)


def test_the_budget_the_rate_and_the_longest_wait() -> None:
    section = system.budget(Status(), NOW)
    assert metrics(section) == {
        "Budget": "20 requests/s",
        "Rate now": "19.6 requests/s",
        "Throttling": "None",
        "Longest wait for a poll": "118.4 s",
    }
    assert section.caption is not None
    assert "2001 enrolment(s) pending, 1 open on a page" in section.caption
    assert "200 s" in section.caption
    assert section.notices == ()


def test_a_pause_and_its_reason() -> None:
    paused = Status(
        throttled=True,
        factor=0.5,
        paused_until=NOW + timedelta(seconds=7),
        reason="The Mobile Identity API is rate-limiting the console (GET status → 429).",
        throttled_at=NOW,
    )
    section = system.budget(paused, NOW)
    assert metrics(section)["Throttling"] == "Paused 7 s"
    assert [n.level for n in section.notices] == ["warning"]
    assert "429" in section.notices[0].text


def test_a_slow_down_then_the_recovery() -> None:
    slowed = Status(throttled=True, factor=0.25, reason="5 server errors", throttled_at=NOW)
    assert metrics(system.budget(slowed, NOW))["Throttling"] == "25% of the budget"
    recovered = Status(reason="5 server errors", throttled_at=NOW)
    section = system.budget(recovered, NOW + timedelta(minutes=1))
    assert metrics(section)["Throttling"] == "None"
    assert [n.level for n in section.notices] == ["success"]


def test_nothing_pending() -> None:
    section = system.budget(Status(pending=0, watched=0, longest_wait=None, floor=1.0), NOW)
    assert metrics(section)["Longest wait for a poll"] == "none pending"
