"""The System page's view: the connectivity check, poller, database and settings as it shows them.

Each section is metrics, a caption and notices. Every setting is one row named by its
environment variable; a secret is only ever "set" or "not set", so the page cannot reveal one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import SecretStr

from dashboard.domain.clock import utc_now
from dashboard.domain.roles import Role


class Connectivity(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def scopes(self) -> tuple[str, ...]: ...
    @property
    def latency_ms(self) -> float: ...
    @property
    def message(self) -> str: ...


class PollerHealth(Protocol):
    @property
    def running(self) -> bool: ...
    @property
    def interval(self) -> float: ...
    @property
    def cycles(self) -> int: ...
    @property
    def last_cycle_at(self) -> datetime | None: ...
    @property
    def cycle_duration(self) -> float | None: ...
    @property
    def polled_last_cycle(self) -> int: ...
    @property
    def pending_count(self) -> int: ...
    @property
    def recent_errors(self) -> int: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def last_error_at(self) -> datetime | None: ...


class BudgetStatus(Protocol):
    @property
    def max_rps(self) -> float: ...
    @property
    def rate(self) -> float: ...
    @property
    def factor(self) -> float: ...
    @property
    def throttled(self) -> bool: ...
    @property
    def paused_until(self) -> datetime | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def throttled_at(self) -> datetime | None: ...
    @property
    def pending(self) -> int: ...
    @property
    def watched(self) -> int: ...
    @property
    def floor(self) -> float: ...
    @property
    def longest_wait(self) -> float | None: ...


class DatabaseInfo(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def backend(self) -> str: ...
    @property
    def schema_version(self) -> str | None: ...
    @property
    def head_revision(self) -> str | None: ...
    @property
    def up_to_date(self) -> bool: ...


class StoreCheck(Protocol):
    @property
    def ok(self) -> bool: ...
    @property
    def message(self) -> str: ...
    @property
    def missing_scopes(self) -> tuple[str, ...]: ...
    @property
    def latency_ms(self) -> float | None: ...


@dataclass(frozen=True)
class Notice:
    """A message box: ``level`` picks its colour and icon."""

    level: Literal["success", "warning", "error"]
    text: str


@dataclass(frozen=True)
class Section:
    """Metrics side by side (label, value), then an optional text line, caption and notices."""

    metrics: tuple[tuple[str, str], ...]
    text: str | None = None
    caption: str | None = None
    notices: tuple[Notice, ...] = ()


CONNECTIVITY_HELP = (
    "Fetches a fresh access token from the token endpoint and compares the scopes it grants "
    "with the ones the console needs."
)
IDENTITY_STORE_HELP = (
    "Fetches a fresh token for the identity store, checks that it carries SCIM_SCOPES, and runs "
    "a harmless query (a username nobody has). Accounts are created and found there."
)
#: What each group of settings applies to: (in demo mode, with a tenant).
_APPLIES_TO = {
    "OMI_": ("embedded simulator", "Mobile Identity API"),
    "SCIM_": ("identity store (the embedded simulator's)", "identity store (accounts)"),
    "SIM_": ("embedded simulator", "unused (a tenant is configured)"),
    "DATABASE_": ("database", "database"),
    "POLL_": ("status poller", "status poller"),
    "ROLES_": ("sign-in and roles", "sign-in and roles"),
    "ALLOW_": ("sign-in and roles", "sign-in and roles"),
}


def connectivity(checked: Connectivity) -> Section:
    """The result of a connectivity check."""
    return Section(
        metrics=(
            ("Token obtained", "Yes" if checked.scopes or checked.ok else "No"),
            ("Scopes granted", str(len(checked.scopes))),
            ("Latency", f"{checked.latency_ms:.0f} ms"),
        ),
        notices=(Notice("success" if checked.ok else "error", checked.message),),
    )


def identity_store(version: str, url: str | None, checked: StoreCheck | None) -> Section:
    """Which identity store accounts live in, and the result of its check (None: not run)."""
    if url is None:
        return Section(
            metrics=(("SCIM", "off"),),
            caption="SCIM_VERSION=off: accounts stay in the console; the tenant is not told.",
        )
    metrics: tuple[tuple[str, str], ...] = (("SCIM", version),)
    notices: tuple[Notice, ...] = ()
    if checked is not None:
        latency = "—" if checked.latency_ms is None else f"{checked.latency_ms:.0f} ms"
        missing = ", ".join(checked.missing_scopes) or "none"
        metrics += (("Missing scopes", missing), ("Latency", latency))
        notices = (Notice("success" if checked.ok else "error", checked.message),)
    return Section(metrics=metrics, text=f"Identity store: {url}", notices=notices)


def poller(health: PollerHealth, now: datetime | None = None) -> Section:
    """The status poller's state, its last cycle and its last error."""
    if health.last_cycle_at is None:
        caption = "The poller has not completed a cycle yet."
    else:
        ago = ((now or utc_now()) - health.last_cycle_at).total_seconds()
        took = (
            "still polling" if health.cycle_duration is None else f"{health.cycle_duration:.2f} s"
        )
        caption = (
            f"{health.cycles} cycle(s) so far; the last ran {ago:.0f} s ago, polled "
            f"{health.polled_last_cycle} enrolment(s) and took {took}."
        )
    notices = []
    if not health.running:
        notices.append(
            Notice("error", "The status poller is not running: statuses will not refresh.")
        )
    if health.last_error:
        when = "" if health.last_error_at is None else f" at {health.last_error_at:%H:%M:%S} UTC"
        notices.append(Notice("warning", f"Last poll error{when}: {health.last_error}"))
    return Section(
        metrics=(
            ("State", "Running" if health.running else "Stopped"),
            ("Interval", f"{health.interval:g} s"),
            ("Pending enrolments", str(health.pending_count)),
            ("Errors in the last minute", str(health.recent_errors)),
        ),
        caption=caption,
        notices=tuple(notices),
    )


def budget(status: BudgetStatus, now: datetime | None = None) -> Section:
    """The shared request budget for status calls: the budget, the rate now, any throttling
    and the longest an enrolment has waited for a poll."""
    moment = now or utc_now()
    if status.paused_until is not None:
        left = max(0.0, (status.paused_until - moment).total_seconds())
        throttle = f"Paused {left:.0f} s"
    elif status.throttled:
        throttle = f"{status.factor:.0%} of the budget"
    else:
        throttle = "None"
    wait = "none pending" if status.longest_wait is None else f"{status.longest_wait:.1f} s"
    notices = []
    if status.throttled and status.reason:
        notices.append(
            Notice("warning", f"The API asked the console to slow down: {status.reason}")
        )
    elif status.reason and status.throttled_at is not None:
        when = f"{status.throttled_at:%H:%M:%S} UTC"
        notices.append(Notice("success", f"Recovered from the last slow-down (at {when})."))
    return Section(
        metrics=(
            ("Budget", f"{status.max_rps:g} requests/s"),
            ("Rate now", f"{status.rate:.1f} requests/s"),
            ("Throttling", throttle),
            ("Longest wait for a poll", wait),
        ),
        caption=(
            f"Shared by every console process on this database. {status.pending} enrolment(s) "
            f"pending, {status.watched} open on a page right now (polled first); none should "
            f"wait more than {status.floor:.0f} s between polls."
        ),
        notices=tuple(notices),
    )


def database(info: DatabaseInfo) -> Section:
    """The database in use and its schema version next to the newest."""
    stale = (
        ()
        if info.up_to_date
        else (Notice("warning", "The database schema is not at the newest migration."),)
    )
    return Section(
        metrics=(
            ("Backend", info.backend),
            ("Schema version", info.schema_version or "none"),
            ("Newest migration", info.head_revision or "none"),
        ),
        text=f"Database: {info.url}",
        notices=stale,
    )


def configuration_caption(demo_mode: bool) -> str:
    return (
        "Environment variables (or the same keys in .streamlit/secrets.toml). Secrets show "
        "only whether they are set."
        + (" In demo mode the OMI_ lines describe the embedded simulator." if demo_mode else "")
    )


def setting_rows(settings: Mapping[str, object], demo_mode: bool) -> list[dict[str, str]]:
    """One row per setting: its name, the value in effect (secrets masked), where it applies."""
    return [
        {
            "Setting": name,
            "Value": shown(name, value),
            "Applies to": next(
                where[0 if demo_mode else 1]
                for prefix, where in _APPLIES_TO.items()
                if name.startswith(prefix)
            ),
        }
        for name, value in settings.items()
    ]


def shown(name: str, value: object) -> str:
    """A setting's value as text; a secret only as "set" or "not set"."""
    roles = name.startswith("ROLES_")
    if isinstance(value, SecretStr):
        return "set" if value.get_secret_value() else "not set"
    if isinstance(value, Role):
        return value.label
    if value is None:
        return "none" if roles else "(not set)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return (", " if roles else " ").join(value) or "(none)"
    if isinstance(value, float):
        unit = {"POLL_INTERVAL": " s", "POLL_MAX_RPS": " requests/s", "POLL_WATCHED_RPS": " /s"}
        return f"{value:g}{unit.get(name, '')}"
    return str(value) or "(none)"
