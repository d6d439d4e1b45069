"""The System page's use-case: connectivity, the poller's health, the database, the settings.

What it hands out holds no unmasked database password; secrets stay ``SecretStr``, which the
view shows only as "set" or "not set".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dashboard.errors import ConsoleError
from dashboard.omi.client import OmiClient
from dashboard.omi.records import Connectivity
from dashboard.omi.scim import ScimClient
from dashboard.omi.token import BearerTokens
from dashboard.poller import Poller, PollerHealth
from dashboard.settings import OmiSettings, Settings
from dashboard.usecases.budget import Budget, BudgetStatus
from dashboard.usecases.database import Database
from db.engine import head_revision
from db.urls import backend_name, display_url


@dataclass(frozen=True)
class DatabaseInfo:
    """The database in use (password masked) and how far its schema is migrated."""

    url: str
    backend: str
    schema_version: str | None
    head_revision: str | None

    @property
    def up_to_date(self) -> bool:
        return self.schema_version is not None and self.schema_version == self.head_revision


#: The userName the identity-store check searches for: a harmless query nobody matches.
CHECK_NAME = "enrolment-console-connectivity-check"


@dataclass(frozen=True)
class StoreCheck:
    """The identity store's check: whether the token carries the SCIM scopes and a query
    answers (``ok``), and a sentence saying so or naming what to fix."""

    ok: bool
    message: str
    missing_scopes: tuple[str, ...] = ()
    latency_ms: float | None = None


@dataclass(frozen=True)
class SystemInfo:
    """What the console runs with, and checks of the parts it talks to."""

    settings: Settings
    omi_settings: OmiSettings
    """The API in use: the tenant's, or the embedded simulator's in demo mode."""
    omi: OmiClient
    poller: Poller
    db: Database
    budget: Budget
    store: ScimClient | None = None
    store_tokens: BearerTokens | None = None

    @property
    def demo_mode(self) -> bool:
        return self.settings.demo_mode

    @property
    def scim_url(self) -> str | None:
        """The identity store's base URL in effect, or None with ``SCIM_VERSION=off``."""
        scim = self.settings.scim
        return scim.base_url(self.omi_settings.base_url) if scim.enabled else None

    def check_identity_store(self) -> StoreCheck:
        """Fetch a fresh token for the store, compare its scopes with ``SCIM_SCOPES``, and run a
        harmless query (a userName nobody has). Never raises."""
        scim = self.settings.scim
        if self.store is None or self.store_tokens is None:
            return StoreCheck(True, "SCIM_VERSION=off: accounts are local; no identity store.")
        started = time.perf_counter()
        try:
            token = self.store_tokens.fresh()
        except ConsoleError as exc:
            return StoreCheck(False, f"No token for the identity store: {exc}")
        missing = tuple(s for s in scim.scopes if s not in token.scopes)
        try:
            self.store.find(CHECK_NAME, exact=True, limit=1)
        except ConsoleError as exc:
            return StoreCheck(False, str(exc), missing)
        latency = (time.perf_counter() - started) * 1000.0
        where = f"SCIM {scim.version} at {self.scim_url}"
        if missing:
            message = (
                f"{where} answered a query in {latency:.0f} ms, but the token lacks "
                f"{', '.join(missing)}; grant it to the client and list it in SCIM_SCOPES."
            )
            return StoreCheck(False, message, missing, latency)
        message = f"{where} answered a query in {latency:.0f} ms; the token has the SCIM scopes."
        return StoreCheck(True, message, (), latency)

    def check_connectivity(self) -> Connectivity:
        """Fetch a fresh token and compare its scopes with the ones needed. Never raises."""
        return self.omi.check()

    def poller_health(self) -> PollerHealth:
        return self.poller.health()

    def budget_status(self) -> BudgetStatus:
        """The request budget, the rate now, any throttling, the longest wait; ``ConsoleError``
        when the database cannot be read."""
        return self.budget.status()

    def database(self) -> DatabaseInfo:
        """The database and its schema version; ``ConsoleError`` when it cannot be read."""
        url = self.settings.database_url
        current = self.db.schema_version()
        return DatabaseInfo(display_url(url), backend_name(url), current, head_revision())

    def settings_by_name(self) -> dict[str, object]:
        """Every setting in effect by its environment name; the database URL masked."""
        return settings_by_name(self.settings, self.omi_settings)


def settings_by_name(settings: Settings, omi: OmiSettings) -> dict[str, object]:
    """Every setting by its environment name, the ``OMI_*`` ones from ``omi``, ``SCIM_URL`` as in
    effect; the database URL masked (secrets stay ``SecretStr``)."""
    named: dict[str, object] = {f"OMI_{k.upper()}": v for k, v in omi}
    scim = settings.scim
    named |= {f"SCIM_{k.upper()}": v for k, v in scim}
    named["SCIM_URL"] = scim.base_url(omi.base_url) if scim.enabled else None
    named |= {f"SIM_{k.upper()}": v for k, v in settings.simulator}
    named |= {
        "DATABASE_URL": display_url(settings.database_url),
        "POLL_INTERVAL": settings.poll_interval,
        "POLL_MAX_RPS": settings.poll_max_rps,
        "POLL_WATCHED_RPS": settings.poll_watched_rps,
    }
    named |= {f"ROLES_{k.upper()}": v for k, v in settings.roles}
    named["ALLOW_UNAUTHENTICATED"] = settings.allow_unauthenticated
    return named
