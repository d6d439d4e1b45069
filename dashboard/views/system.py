"""The configuration in effect and the database in use, as the System page shows them.

Every field of ``OmiSettings``, ``SimulatorSettings`` and ``Settings`` becomes one line named by
its environment variable. A ``SecretStr`` is only ever "set" or "not set"; the database URL has its
password masked. Nothing here can reveal a secret, so the page cannot either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from dashboard.services import Services
from db.engine import head_revision
from db.urls import backend_name, display_url


@dataclass(frozen=True)
class SettingLine:
    """One setting: its environment name, the value in effect (masked) and where it applies."""

    name: str
    value: str
    applies_to: str


@dataclass(frozen=True)
class DatabaseInfo:
    """The database in use and how far its schema is migrated."""

    url: str
    backend: str
    schema_version: str | None
    head_revision: str | None

    @property
    def up_to_date(self) -> bool:
        return self.schema_version is not None and self.schema_version == self.head_revision


def setting_lines(services: Services) -> list[SettingLine]:
    """Every setting in effect, secrets masked. In demo mode the ``OMI_*`` lines describe the
    embedded simulator the console talks to."""
    api = "embedded simulator" if services.demo_mode else "Mobile Identity API"
    simulator = "embedded simulator" if services.demo_mode else "unused (a tenant is configured)"
    settings = services.settings
    lines = [
        SettingLine(f"OMI_{name.upper()}", shown(value), api)
        for name, value in services.omi_settings
    ]
    lines += [
        SettingLine(f"SIM_{name.upper()}", shown(value), simulator)
        for name, value in settings.simulator
    ]
    lines.append(SettingLine("DATABASE_URL", display_url(settings.database_url), "database"))
    lines.append(SettingLine("POLL_INTERVAL", f"{settings.poll_interval:g} s", "status poller"))
    rules = settings.access.rules
    for name, value in (
        ("ROLES_ADMINS", rules.admins),
        ("ROLES_OPERATORS", rules.operators),
        ("ROLES_VIEWERS", rules.viewers),
        ("ROLES_DEFAULT", "none" if rules.default is None else rules.default.label),
        ("ROLES_GROUPS_CLAIM", rules.groups_claim),
        ("ALLOW_UNAUTHENTICATED", "1" if settings.access.allow_unauthenticated else "0"),
    ):
        shown_value = ", ".join(value) if isinstance(value, tuple) else value
        lines.append(SettingLine(name, shown_value or "(none)", "sign-in and roles"))
    return lines


def database_info(services: Services) -> DatabaseInfo:
    """The database URL (masked), its backend, and its schema version next to the newest."""
    url = services.settings.database_url
    return DatabaseInfo(
        url=display_url(url),
        backend=backend_name(url),
        schema_version=services.system.database().schema_version,
        head_revision=head_revision(),
    )


def shown(value: Any) -> str:
    """A setting's value as text; a secret only as "set" or "not set"."""
    if isinstance(value, SecretStr):
        return "set" if value.get_secret_value() else "not set"
    if value is None:
        return "(not set)"
    if isinstance(value, tuple):
        return " ".join(str(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
