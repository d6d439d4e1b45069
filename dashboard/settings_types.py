"""The value types of the settings (``dashboard.settings``): each checks one form and says
what is wrong in a sentence pydantic passes on, naming the setting."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_settings import NoDecode

from dashboard.domain.invitations import LANGUAGES, parse_schedule
from dashboard.domain.roles import Role, parse_entry, parse_role


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL such as https://host")
    return value.rstrip("/")


def _path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("must be a path starting with '/'")
    return value


def _path_or_url(value: str) -> str:
    parts = urlsplit(value)
    if value.startswith("/") or (parts.scheme in ("http", "https") and parts.netloc):
        return value
    raise ValueError("must be a path starting with '/' or an http(s) URL")


def _words(value: Any) -> Any:
    """Comma- or space-separated text as a list; a TOML list as it is."""
    return value.replace(",", " ").split() if isinstance(value, str) else value


def _words_or_none(value: Any) -> Any:
    """``_words``, with ``none`` (or ``off``) for no words at all: a blank value means unset."""
    if isinstance(value, str) and value.strip().lower() in ("none", "off"):
        return ()
    return _words(value)


def _entries(items: tuple[str, ...]) -> tuple[str, ...]:
    parsed = []
    for item in items:
        entry = parse_entry(item)
        if entry is None:
            raise ValueError(
                f"entries must be e-mail addresses, @domains or group:<name>, got {item!r}"
            )
        parsed.append(entry)
    return tuple(parsed)


def _role(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return parse_role(value)
    except ValueError:
        raise ValueError("must be one of none, viewer, operator, admin") from None


HttpUrl = Annotated[str, AfterValidator(_http_url)]
UrlPath = Annotated[str, AfterValidator(_path)]
PathOrUrl = Annotated[str, AfterValidator(_path_or_url)]
Words = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words)]
Entries = Annotated[Words, AfterValidator(_entries)]
#: ``Words`` that may be ``none``: ``OMI_DEVICES_SCOPES=none`` asks the token for none of them.
OptionalWords = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words_or_none)]
RoleName = Annotated[Role | None, BeforeValidator(_role)]


class Frozen(BaseModel):
    """A settings group: frozen, stripped, finite."""

    model_config = ConfigDict(
        frozen=True, str_strip_whitespace=True, coerce_numbers_to_str=True, allow_inf_nan=False
    )


def _schedule(value: Any) -> Any:
    return parse_schedule(value) if isinstance(value, str) else value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError("must be one of " + ", ".join(LANGUAGES))
    return value


Schedule = Annotated[tuple[timedelta, ...], NoDecode, BeforeValidator(_schedule)]
Language = Annotated[str, AfterValidator(_language)]
SmtpSecurity = Literal["starttls", "tls", "none"]
