"""Settings, read once from environment variables and ``.streamlit/secrets.toml``, then frozen.

Every setting has an environment name (``OMI_BASE_URL``, ``DATABASE_URL``, ...): a field's name,
after its group's prefix (``OMI_``, ``SIM_``, ``SCIM_``, ``ROLES_``). The same names may be given as
top-level keys in ``.streamlit/secrets.toml``; the environment wins (a blank environment
variable counts as unset, so secrets.toml still applies). A bad value raises ``ConfigError``
naming the setting, never a traceback deep inside the app.
An unset ``OMI_BASE_URL`` means: start the embedded simulator (demo mode).
``SCIM_*`` says where the tenant's identity store is (``SCIM_VERSION=off``: local accounts only).
``INVITE_*``, ``PUBLIC_*`` and ``SMTP_*`` are the invitations by e-mail: how long a link lives and
when reminders go, where the public enrolment page is, and the mail server (unset in demo mode:
the built-in mail catcher).
Sign-in itself is Streamlit's ``[auth]`` section; who gets which role is ``ROLES_*`` here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dashboard.domain.budget import Limits
from dashboard.domain.invitations import parse_schedule
from dashboard.domain.roles import RoleRules
from dashboard.settings_source import read_settings
from dashboard.settings_types import (
    Entries,
    Frozen,
    HttpUrl,
    Language,
    OptionalWords,
    PathOrUrl,
    RoleName,
    Schedule,
    SmtpSecurity,
    UrlPath,
    Words,
)

ROOT = Path(__file__).resolve().parent.parent
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'console.db'}"
DEFAULT_SCOPES = ("credential:omi:enrol:qr:admin:post", "credential:omi:enrol:status:get")
#: The published device and push scopes (their paths and fields are not: see docs/omi-devices.md).
DEFAULT_DEVICES_SCOPES = (
    "credential:omi:devices:get",
    "credential:omi:push-notification:post",
    "credential:omi:push-notification:device:post",
    "credential:omi:push-notification:status:get",
)
DEFAULT_SCIM_SCOPES = ("SCIM:user:post", "SCIM:user:get", "SCIM:user:query")
#: Where ``/Users`` hangs off ``OMI_BASE_URL`` when ``SCIM_URL`` is not given.
SCIM_PATHS = {"1.1": "/scim/v1", "2.0": "/scim/v2"}

ClientAuth = Literal["client_secret_post", "client_secret_basic"]
ScimVersion = Literal["1.1", "2.0", "off"]


class OmiSettings(Frozen):
    """``OMI_*``: how to reach the Mobile Identity API; everything the vendor has not published."""

    base_url: HttpUrl
    client_id: str
    client_secret: SecretStr
    token_url: PathOrUrl = "/auth/oauth2.0/v1/token"
    client_auth: ClientAuth = "client_secret_post"
    scopes: Words = DEFAULT_SCOPES
    enrol_path: UrlPath = "/omi/qr/enrol"
    status_path: UrlPath = "/omi/qr/enrol/status"
    user_id_field: str = "userId"
    # The devices and push calls (docs/omi-devices.md); their scopes join the token request.
    devices_path: UrlPath = "/omi/devices"
    push_path: UrlPath = "/omi/push"
    push_device_path: UrlPath = "/omi/push/device"
    push_status_path: UrlPath = "/omi/push/status"
    # Unset: the console offers no removal (the vendor publishes no such call).
    device_remove_path: UrlPath | None = None
    devices_scopes: OptionalWords = DEFAULT_DEVICES_SCOPES  # "none": a tenant without them
    timeout: Annotated[float, Field(ge=0.1)] = 10.0
    max_retries: Annotated[int, Field(ge=0)] = 3
    backoff: Annotated[float, Field(ge=0.0)] = 0.5

    @property
    def absolute_token_url(self) -> str:
        """``token_url`` resolved against ``base_url`` when it is a path."""
        if urlsplit(self.token_url).scheme:
            return self.token_url
        return self.base_url.rstrip("/") + "/" + self.token_url.lstrip("/")


class SimulatorSettings(Frozen):
    """``SIM_*``: the embedded simulator, used when no ``OMI_BASE_URL`` is configured."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 0
    public_url: HttpUrl | None = None
    client_id: str = "demo-console"
    client_secret: SecretStr = SecretStr("")
    qr_ttl: Annotated[int, Field(ge=1)] = 300
    token_ttl: Annotated[int, Field(ge=1)] = 3600
    push_ttl: Annotated[int, Field(ge=1)] = 60
    # Enrol and status take any user id, not only users of the simulator's SCIM store.
    accept_any_user: bool = False


class ScimSettings(Frozen):
    """``SCIM_*``: the tenant's identity store, where accounts are created and found.

    ``version`` 1.1 (OneWelcome), 2.0 (most other stores) or ``off`` (accounts stay local).
    The token is the Mobile Identity client's, with ``scopes`` added to its request, unless
    ``client_id`` and ``client_secret`` name a client of its own (same token endpoint).
    """

    version: ScimVersion = "1.1"
    url: HttpUrl | None = None
    scopes: Words = DEFAULT_SCIM_SCOPES
    client_id: str | None = None
    client_secret: Annotated[SecretStr | None, Field(validate_default=True)] = None

    @field_validator("client_secret")
    @classmethod
    def _pair(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        given = value is not None and bool(value.get_secret_value())
        if given != bool(info.data.get("client_id")):
            if given:
                raise ValueError("is set, so SCIM_CLIENT_ID must be set too")
            raise ValueError("is required when SCIM_CLIENT_ID is set")
        return value if given else None

    @property
    def enabled(self) -> bool:
        """Whether accounts live in the identity store (``SCIM_VERSION`` is not ``off``)."""
        return self.version != "off"

    @property
    def own_client(self) -> bool:
        """Whether the identity store gets a token of its own (``SCIM_CLIENT_ID``)."""
        return self.client_id is not None

    def base_url(self, omi_base_url: str) -> str:
        """``SCIM_URL``, or its default on ``omi_base_url`` for the version."""
        if self.url is not None:
            return self.url
        return omi_base_url.rstrip("/") + SCIM_PATHS.get(self.version, SCIM_PATHS["1.1"])


class InviteSettings(Frozen):
    """``INVITE_*``: how long an invitation's link lives, when reminders go (after the
    invitation was sent, e.g. ``2d,5d``; blank: none) and the default language of its mail."""

    days: Annotated[float, Field(gt=0.0, le=90.0)] = 7.0
    reminders: Schedule = parse_schedule("2d,5d")
    language: Language = "en"
    # Link attempts one address may make per minute on the public page.
    attempts_per_minute: Annotated[int, Field(ge=1)] = 30

    @property
    def lifetime(self) -> timedelta:
        return timedelta(days=self.days)


class PublicSettings(Frozen):
    """``PUBLIC_*``: the public enrolment page, served beside the console. ``url`` is the
    address people reach it at (the links in the mails); unset, the page's own local address."""

    url: HttpUrl | None = None
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8601


class SmtpSettings(Frozen):
    """``SMTP_*``: the mail server invitations go out through. Without ``host`` a demo console
    uses its built-in mail catcher, and a console on a tenant cannot send invitations."""

    host: str | None = None
    port: Annotated[int | None, Field(ge=1, le=65535)] = None
    security: SmtpSecurity = "starttls"
    user: str | None = None
    password: SecretStr | None = None
    from_address: str = "Enrolment console <no-reply@localhost>"
    timeout: Annotated[float, Field(ge=0.1)] = 10.0

    @property
    def effective_port(self) -> int:
        """``port``, or the usual one for ``security`` (587, 465, 25)."""
        if self.port is not None:
            return self.port
        return {"starttls": 587, "tls": 465, "none": 25}[self.security]


class RoleSettings(Frozen):
    """``ROLES_*``: who gets which role once signed in (see ``dashboard.domain.roles``)."""

    admins: Entries = ()
    operators: Entries = ()
    viewers: Entries = ()
    default: RoleName = None
    groups_claim: str = "groups"


@dataclass(frozen=True)
class AccessSettings:
    """Who gets which role once signed in, and whether to run without sign-in anyway."""

    rules: RoleRules = field(default_factory=RoleRules)
    allow_unauthenticated: bool = False


def _demo_unless_based(value: Any) -> Any:
    """Without ``OMI_BASE_URL`` the other ``OMI_*`` settings are not used (demo mode)."""
    return value if isinstance(value, dict) and "base_url" in value else None


class Settings(BaseSettings):
    """Everything the console reads from its environment, frozen."""

    # One ``_`` after the group's prefix nests: OMI_BASE_URL is omi.base_url.
    model_config = SettingsConfigDict(
        frozen=True,
        env_nested_delimiter="_",
        env_nested_max_split=1,
        allow_inf_nan=False,
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
    )

    omi: Annotated[OmiSettings | None, BeforeValidator(_demo_unless_based)] = None
    simulator: SimulatorSettings = Field(default=SimulatorSettings(), validation_alias="sim")
    database_url: str = DEFAULT_DATABASE_URL
    poll_interval: Annotated[float, Field(ge=0.1, le=60.0)] = 1.0
    poll_max_rps: Annotated[float, Field(ge=0.1, le=10_000.0)] = 20.0
    poll_watched_rps: Annotated[float, Field(ge=0.1, le=12.0)] = 3.0
    roles: RoleSettings = RoleSettings()
    scim: ScimSettings = ScimSettings()
    invite: InviteSettings = InviteSettings()
    public: PublicSettings = PublicSettings()
    smtp: SmtpSettings = SmtpSettings()
    allow_unauthenticated: bool = False

    @property
    def demo_mode(self) -> bool:
        """True when the console runs against its embedded simulator."""
        return self.omi is None

    @property
    def poll_limits(self) -> Limits:
        """The status-call budget and the poll schedule's base (``POLL_*``)."""
        return Limits(self.poll_max_rps, self.poll_watched_rps, self.poll_interval)

    @property
    def access(self) -> AccessSettings:
        """The role rules and the ``ALLOW_UNAUTHENTICATED`` switch."""
        return AccessSettings(RoleRules(**dict(self.roles)), self.allow_unauthenticated)


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = SECRETS_PATH
) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``) over ``secrets_path``."""
    return read_settings(Settings, os.environ if environ is None else environ, secrets_path)
