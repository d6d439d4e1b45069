"""Settings, read once from environment variables and ``.streamlit/secrets.toml``, then frozen.

Every setting has an environment name (``OMI_BASE_URL``, ``DATABASE_URL``, ...). The same
names may be given as top-level keys in ``.streamlit/secrets.toml``; the environment wins
(a blank environment variable counts as unset, so secrets.toml still applies).
A bad value raises ``ConfigError`` naming the setting, never a traceback deep inside the app.
An unset ``OMI_BASE_URL`` means: start the embedded simulator (demo mode).
Sign-in itself is Streamlit's ``[auth]`` section; who gets which role is ``ROLES_*`` here.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from dashboard.domain.roles import Role, RoleRules, parse_entry, parse_role
from dashboard.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'data' / 'console.db'}"
DEFAULT_SCOPES = ("credential:omi:enrol:qr:admin:post", "credential:omi:enrol:status:get")

ClientAuth = Literal["client_secret_post", "client_secret_basic"]
T = TypeVar("T")


class Secret:
    """A string that never shows itself in ``repr``/``str``; call ``reveal()`` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class OmiSettings:
    """How to reach the Mobile Identity API; everything the vendor has not published."""

    base_url: str
    client_id: str
    client_secret: Secret = field(repr=False)
    token_url: str = "/auth/oauth2.0/v1/token"
    client_auth: ClientAuth = "client_secret_post"
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    enrol_path: str = "/omi/qr/enrol"
    status_path: str = "/omi/qr/enrol/status"
    user_id_field: str = "userId"
    timeout: float = 10.0
    max_retries: int = 3
    backoff: float = 0.5

    @property
    def absolute_token_url(self) -> str:
        """``token_url`` resolved against ``base_url`` when it is a path."""
        if urlsplit(self.token_url).scheme:
            return self.token_url
        return self.base_url.rstrip("/") + "/" + self.token_url.lstrip("/")


@dataclass(frozen=True)
class SimulatorSettings:
    """The embedded simulator, used when no ``OMI_BASE_URL`` is configured."""

    host: str = "127.0.0.1"
    port: int = 0
    public_url: str | None = None
    client_id: str = "demo-console"
    client_secret: Secret = field(default_factory=lambda: Secret(""), repr=False)
    qr_ttl: int = 300
    token_ttl: int = 3600


@dataclass(frozen=True)
class AccessSettings:
    """Who gets which role once signed in, and whether to run without sign-in anyway."""

    rules: RoleRules = field(default_factory=RoleRules)
    allow_unauthenticated: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything the console reads from its environment, frozen."""

    omi: OmiSettings | None
    simulator: SimulatorSettings
    database_url: str = DEFAULT_DATABASE_URL
    poll_interval: float = 1.0
    access: AccessSettings = field(default_factory=AccessSettings)

    @property
    def demo_mode(self) -> bool:
        """True when the console runs against its embedded simulator."""
        return self.omi is None

    def with_omi(self, omi: OmiSettings) -> Settings:
        """A copy pointing at ``omi`` (the embedded simulator's address once it runs)."""
        return replace(self, omi=omi)


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = SECRETS_PATH
) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``) over ``secrets_path``."""
    source = _Source(os.environ if environ is None else environ, _read_secrets(secrets_path))
    simulator = SimulatorSettings(
        host=source.text("SIM_HOST", "127.0.0.1"),
        port=source.number("SIM_PORT", int, 0, minimum=0, maximum=65535),
        public_url=source.url("SIM_PUBLIC_URL"),
        client_id=source.text("SIM_CLIENT_ID", "demo-console"),
        client_secret=Secret(source.text("SIM_CLIENT_SECRET", "")),
        qr_ttl=source.number("SIM_QR_TTL", int, 300, minimum=1),
        token_ttl=source.number("SIM_TOKEN_TTL", int, 3600, minimum=1),
    )
    base_url = source.url("OMI_BASE_URL")
    omi = None
    if base_url is not None:
        omi = OmiSettings(
            base_url=base_url,
            client_id=source.required("OMI_CLIENT_ID"),
            client_secret=Secret(source.required("OMI_CLIENT_SECRET")),
            token_url=source.path_or_url("OMI_TOKEN_URL", OmiSettings.token_url),
            client_auth=source.choice(
                "OMI_CLIENT_AUTH", ("client_secret_post", "client_secret_basic")
            ),
            scopes=source.words("OMI_SCOPES", DEFAULT_SCOPES),
            enrol_path=source.path("OMI_ENROL_PATH", OmiSettings.enrol_path),
            status_path=source.path("OMI_STATUS_PATH", OmiSettings.status_path),
            user_id_field=source.text("OMI_USER_ID_FIELD", OmiSettings.user_id_field),
            timeout=source.number("OMI_TIMEOUT", float, OmiSettings.timeout, minimum=0.1),
            max_retries=source.number("OMI_MAX_RETRIES", int, OmiSettings.max_retries, minimum=0),
            backoff=source.number("OMI_BACKOFF", float, OmiSettings.backoff, minimum=0.0),
        )
    return Settings(
        omi=omi,
        simulator=simulator,
        database_url=source.text("DATABASE_URL", DEFAULT_DATABASE_URL),
        poll_interval=source.number("POLL_INTERVAL", float, 1.0, minimum=0.1, maximum=60.0),
        access=AccessSettings(
            rules=RoleRules(
                admins=source.entries("ROLES_ADMINS"),
                operators=source.entries("ROLES_OPERATORS"),
                viewers=source.entries("ROLES_VIEWERS"),
                default=source.role("ROLES_DEFAULT"),
                groups_claim=source.text("ROLES_GROUPS_CLAIM", "groups"),
            ),
            allow_unauthenticated=source.flag("ALLOW_UNAUTHENTICATED"),
        ),
    )


def setting_names() -> tuple[str, ...]:
    """Every environment name the console reads (for docs and the System page)."""
    omi = [f"OMI_{f.name.upper()}" for f in fields(OmiSettings)]
    sim = [f"SIM_{f.name.upper()}" for f in fields(SimulatorSettings)]
    return (*omi, *sim, "DATABASE_URL", "POLL_INTERVAL", *ACCESS_NAMES)


ACCESS_NAMES = (
    "ROLES_ADMINS",
    "ROLES_OPERATORS",
    "ROLES_VIEWERS",
    "ROLES_DEFAULT",
    "ROLES_GROUPS_CLAIM",
    "ALLOW_UNAUTHENTICATED",
)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _read_secrets(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc.__class__.__name__}") from None


class _Source:
    """Looks a name up in the environment, then in secrets.toml, and validates it."""

    def __init__(self, environ: Mapping[str, str], secrets: Mapping[str, Any]) -> None:
        self._environ = environ
        self._secrets = secrets

    def raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if (value is None or not value.strip()) and name in self._secrets:
            secret = self._secrets[name]
            if isinstance(secret, dict | list):
                raise ConfigError(f"{name} in secrets.toml must be a single value, not a table")
            value = str(secret)
        if value is None or not value.strip():
            return None
        return value.strip()

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def required(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            raise ConfigError(f"{name} is required when OMI_BASE_URL is set")
        return value

    def url(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name} must be an http(s) URL such as https://host, got {value!r}")
        return value.rstrip("/")

    def path_or_url(self, name: str, default: str) -> str:
        value = self.text(name, default)
        parts = urlsplit(value)
        if value.startswith("/") or (parts.scheme in ("http", "https") and parts.netloc):
            return value
        raise ConfigError(
            f"{name} must be a path starting with '/' or an http(s) URL, got {value!r}"
        )

    def path(self, name: str, default: str) -> str:
        value = self.text(name, default)
        if not value.startswith("/"):
            raise ConfigError(f"{name} must be a path starting with '/', got {value!r}")
        return value

    def words(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.raw(name)
        return default if value is None else tuple(value.replace(",", " ").split())

    def choice(self, name: str, allowed: tuple[ClientAuth, ...]) -> ClientAuth:
        value = self.raw(name) or allowed[0]
        for option in allowed:
            if value == option:
                return option
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")

    def entries(self, name: str) -> tuple[str, ...]:
        """Role entries: comma- or space-separated text, or a list of strings in secrets.toml."""
        listed = self._secrets.get(name) if not (self._environ.get(name) or "").strip() else None
        if isinstance(listed, list):
            items = [str(item) for item in listed]
        else:
            items = (self.raw(name) or "").replace(",", " ").split()
        parsed = []
        for item in items:
            entry = parse_entry(item)
            if entry is None:
                raise ConfigError(
                    f"{name} entries must be e-mail addresses, @domains or group:<name>, "
                    f"got {item!r}"
                )
            parsed.append(entry)
        return tuple(parsed)

    def role(self, name: str) -> Role | None:
        value = self.raw(name) or "none"
        try:
            return parse_role(value)
        except ValueError:
            raise ConfigError(
                f"{name} must be one of none, viewer, operator, admin, got {value!r}"
            ) from None

    def flag(self, name: str) -> bool:
        value = (self.raw(name) or "0").lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"{name} must be 1 or 0 (true or false), got {value!r}")

    def number(
        self,
        name: str,
        kind: Callable[[str], T],
        default: T,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> T:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = kind(value)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{name} must be {what}, got {value!r}") from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ConfigError(f"{name} must be a finite number, got {value!r}")
        if (minimum is not None and number < minimum) or (  # type: ignore[operator]
            maximum is not None and number > maximum  # type: ignore[operator]
        ):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise ConfigError(f"{name} must be {bounds}, got {value!r}")
        return number
