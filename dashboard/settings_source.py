"""Where settings come from, and how a bad one is told: the environment over secrets.toml.

Both are read as one set of variables (secrets.toml's top-level keys are the same names), which
pydantic-settings' environment source nests and pydantic validates. Its first complaint becomes
a ``ConfigError`` that names the setting and never shows a secret.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource

from dashboard.errors import ConfigError

S = TypeVar("S", bound=BaseSettings)

#: The rule broken, by pydantic's error type (the others say it with their own ValueError).
_RULES = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than_equal": "must be <= {le}",
    "literal_error": "must be one of {expected}",
    "bool_parsing": "must be 1 or 0 (true or false)",
}


def read_settings(
    settings_cls: type[S], environ: Mapping[str, str], secrets_path: Path | None
) -> S:
    """``settings_cls`` from ``environ`` over the top-level keys of ``secrets_path``."""
    variables = {**_given(read_toml(secrets_path)), **_given(environ)}
    try:
        return settings_cls.model_validate(Variables(settings_cls, variables)())
    except ValidationError as exc:
        raise ConfigError(sentence(exc.errors()[0])) from None


def read_toml(path: Path | None) -> dict[str, Any]:
    """The TOML file at ``path`` (nothing when it does not exist)."""
    if path is None or not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc.__class__.__name__}") from None


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the blank ones: a blank variable counts as unset."""
    return {
        name: value
        for name, value in values.items()
        if not (isinstance(value, str) and not value.strip())
    }


class Variables(EnvSettingsSource):
    """pydantic-settings' environment source over given variables instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, Any]) -> None:
        self._variables = variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, Any]:
        return {name.lower(): value for name, value in self._variables.items()}


def sentence(error: ErrorDetails) -> str:
    """One validation error as a sentence naming the setting (``OMI_TIMEOUT must be ...``)."""
    name = "_".join(str(part) for part in error["loc"] if isinstance(part, str)).upper()
    value = error["input"]
    if error["type"] == "missing":
        return f"{name} is required when OMI_BASE_URL is set"
    if isinstance(value, dict | list):
        return f"{name} must be a single value, not a table"
    context = error.get("ctx", {})
    if "error" in context:
        rule = str(context["error"])
    else:
        rule = _RULES.get(error["type"], error["msg"]).format(**context)
    if name.endswith("SECRET") or ", got " in rule:  # never echo a secret; or said already
        return f"{name} {rule}"
    return f"{name} {rule}, got {value!r}"
