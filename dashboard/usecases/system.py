"""The System page's use-case: connectivity, the poller's health, the database, the settings.

What it hands out holds no unmasked database password; secrets stay ``SecretStr``, which the
view shows only as "set" or "not set".
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.omi.client import OmiClient
from dashboard.omi.records import Connectivity
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

    @property
    def demo_mode(self) -> bool:
        return self.settings.demo_mode

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
    """Every setting by its environment name, the ``OMI_*`` ones from ``omi``; the database URL
    masked."""
    named: dict[str, object] = {f"OMI_{k.upper()}": v for k, v in omi}
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
