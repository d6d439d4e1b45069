"""Settings: every name read, the environment over secrets.toml, a named error per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from dashboard.domain.roles import Role
from dashboard.errors import ConfigError
from dashboard.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_DEVICES_SCOPES,
    DEFAULT_SCOPES,
    OmiSettings,
    load_settings,
)
from dashboard.usecases.system import settings_by_name

BASE = {"OMI_BASE_URL": "https://tenant.example", "OMI_CLIENT_ID": "cid"}
REAL = {**BASE, "OMI_CLIENT_SECRET": "s3cret-value"}
NO_FILE: Path | None = None


def test_defaults_mean_demo_mode() -> None:
    settings = load_settings({}, NO_FILE)
    assert settings.demo_mode
    assert settings.omi is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.poll_interval == 1.0
    sim = settings.simulator
    assert (sim.host, sim.port, sim.public_url, sim.client_id) == (
        "127.0.0.1",
        0,
        None,
        "demo-console",
    )
    assert not sim.client_secret
    assert (sim.qr_ttl, sim.token_ttl) == (300, 3600)


def test_every_setting_is_read_from_the_environment() -> None:
    env = {
        **REAL,
        "OMI_TOKEN_URL": "https://idp.example/token",
        "OMI_CLIENT_AUTH": "client_secret_basic",
        "OMI_SCOPES": "a:b, c:d  e:f",
        "OMI_ENROL_PATH": "/v2/enrol",
        "OMI_STATUS_PATH": "/v2/status",
        "OMI_USER_ID_FIELD": "accountId",
        "OMI_DEVICES_PATH": "/v2/devices",
        "OMI_PUSH_PATH": "/v2/push",
        "OMI_PUSH_DEVICE_PATH": "/v2/push/one",
        "OMI_PUSH_STATUS_PATH": "/v2/push/state",
        "OMI_DEVICE_REMOVE_PATH": "/v2/devices/remove",
        "OMI_DEVICES_SCOPES": "dev:get push:post",
        "OMI_TIMEOUT": "2.5",
        "OMI_MAX_RETRIES": "5",
        "OMI_BACKOFF": "0.25",
        "SIM_HOST": "192.168.1.20",
        "SIM_PORT": "8700",
        "SIM_PUBLIC_URL": "http://192.168.1.20:8700/",
        "SIM_CLIENT_ID": "sim-id",
        "SIM_CLIENT_SECRET": "sim-secret",
        "SIM_QR_TTL": "60",
        "SIM_TOKEN_TTL": "120",
        "SIM_PUSH_TTL": "30",
        "SIM_ACCEPT_ANY_USER": "1",
        "SCIM_VERSION": "2.0",
        "SCIM_URL": "https://store.example/scim/v2/",
        "SCIM_SCOPES": "scim:read scim:write",
        "SCIM_CLIENT_ID": "scim-client",
        "SCIM_CLIENT_SECRET": "scim-secret",
        "DATABASE_URL": "sqlite:///x.db",
        "POLL_INTERVAL": "2",
        "POLL_MAX_RPS": "50",
        "POLL_WATCHED_RPS": "2",
        "ROLES_ADMINS": "Ann@Example.com, group:console-admins",
        "ROLES_OPERATORS": "@example.com",
        "ROLES_VIEWERS": "group:auditors",
        "ROLES_DEFAULT": "viewer",
        "ROLES_GROUPS_CLAIM": "roles",
        "ALLOW_UNAUTHENTICATED": "1",
    }
    settings = load_settings(env, NO_FILE)
    assert settings.omi is not None
    shown = settings_by_name(settings, settings.omi)
    assert set(env) == set(shown), "the test covers every setting the System page shows"
    assert settings.omi == OmiSettings(
        base_url="https://tenant.example",
        client_id="cid",
        client_secret=SecretStr("s3cret-value"),
        token_url="https://idp.example/token",
        client_auth="client_secret_basic",
        scopes=("a:b", "c:d", "e:f"),
        enrol_path="/v2/enrol",
        status_path="/v2/status",
        user_id_field="accountId",
        devices_path="/v2/devices",
        push_path="/v2/push",
        push_device_path="/v2/push/one",
        push_status_path="/v2/push/state",
        device_remove_path="/v2/devices/remove",
        devices_scopes=("dev:get", "push:post"),
        timeout=2.5,
        max_retries=5,
        backoff=0.25,
    )
    assert not settings.demo_mode
    sim = settings.simulator
    assert (sim.host, sim.port, sim.public_url) == (
        "192.168.1.20",
        8700,
        "http://192.168.1.20:8700",
    )
    assert (sim.client_id, sim.client_secret.get_secret_value()) == ("sim-id", "sim-secret")
    assert (sim.qr_ttl, sim.token_ttl, sim.push_ttl) == (60, 120, 30)
    assert sim.accept_any_user
    scim = settings.scim
    assert (scim.version, scim.url, scim.scopes) == (
        "2.0",
        "https://store.example/scim/v2",
        ("scim:read", "scim:write"),
    )
    assert scim.client_id == "scim-client"
    assert scim.client_secret is not None
    assert scim.client_secret.get_secret_value() == "scim-secret"
    assert isinstance(shown["SCIM_CLIENT_SECRET"], SecretStr)  # the page shows "set" only
    assert settings.database_url == "sqlite:///x.db"
    assert settings.poll_interval == 2.0
    assert (settings.poll_max_rps, settings.poll_watched_rps) == (50.0, 2.0)
    rules = settings.access.rules
    assert rules.admins == ("ann@example.com", "group:console-admins")
    assert (rules.operators, rules.viewers) == (("@example.com",), ("group:auditors",))
    assert (rules.default, rules.groups_claim) == (Role.VIEWER, "roles")
    assert settings.access.allow_unauthenticated


def test_scim_defaults_to_1_1_on_the_tenant_with_the_scim_scopes() -> None:
    settings = load_settings(REAL, NO_FILE)
    scim = settings.scim
    assert (scim.version, scim.url, scim.client_id, scim.client_secret) == ("1.1", None, None, None)
    assert scim.scopes == ("SCIM:user:post", "SCIM:user:get", "SCIM:user:query")
    assert scim.enabled
    assert not scim.own_client
    assert scim.base_url("https://tenant.example/") == "https://tenant.example/scim/v1"
    v2 = load_settings({**REAL, "SCIM_VERSION": "2.0"}, NO_FILE).scim
    assert v2.base_url("https://tenant.example") == "https://tenant.example/scim/v2"
    off = load_settings({**REAL, "SCIM_VERSION": "off"}, NO_FILE).scim
    assert not off.enabled
    shown = settings_by_name(settings, settings.omi or OmiSettings.model_validate(REAL))
    assert shown["SCIM_URL"] == "https://tenant.example/scim/v1"  # the default, in effect
    assert not load_settings({}, NO_FILE).simulator.accept_any_user


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SCIM_VERSION": "3"}, "SCIM_VERSION must be one of '1.1', '2.0' or 'off', got '3'"),
        ({"SCIM_URL": "ftp://store"}, "SCIM_URL must be an http(s) URL"),
        ({"SCIM_CLIENT_ID": "x"}, "SCIM_CLIENT_SECRET is required when SCIM_CLIENT_ID is set"),
        ({"SCIM_CLIENT_SECRET": "hush-42"}, "SCIM_CLIENT_SECRET is set, so SCIM_CLIENT_ID"),
        ({"SIM_ACCEPT_ANY_USER": "maybe"}, "SIM_ACCEPT_ANY_USER must be 1 or 0"),
    ],
)
def test_bad_scim_settings_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, NO_FILE)
    assert str(caught.value).startswith(message)
    assert "hush-42" not in str(caught.value)


def test_omi_defaults_when_only_the_required_names_are_set() -> None:
    omi = load_settings(REAL, NO_FILE).omi
    assert omi is not None
    assert omi.token_url == "/auth/oauth2.0/v1/token"
    assert omi.absolute_token_url == "https://tenant.example/auth/oauth2.0/v1/token"
    assert omi.client_auth == "client_secret_post"
    assert omi.scopes == DEFAULT_SCOPES
    assert (omi.enrol_path, omi.status_path, omi.user_id_field) == (
        "/omi/qr/enrol",
        "/omi/qr/enrol/status",
        "userId",
    )
    assert (omi.timeout, omi.max_retries, omi.backoff) == (10.0, 3, 0.5)


def test_absolute_token_url_keeps_a_full_url_and_joins_a_path() -> None:
    omi = OmiSettings(
        base_url="https://t.example/", client_id="c", client_secret="s", token_url="https://idp/x"
    )
    assert omi.absolute_token_url == "https://idp/x"
    omi = OmiSettings(
        base_url="https://t.example/api/", client_id="c", client_secret="s", token_url="/token"
    )
    assert omi.absolute_token_url == "https://t.example/api/token"


def test_secrets_toml_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'OMI_BASE_URL = "https://from-file.example"\n'
        'OMI_CLIENT_ID = "file-id"\n'
        'OMI_CLIENT_SECRET = "file-secret"\n'
        "OMI_MAX_RETRIES = 7\n"
        "SIM_PORT = 8701\n"
        'DATABASE_URL = "sqlite:///file.db"\n',
        encoding="utf-8",
    )
    settings = load_settings({"OMI_CLIENT_ID": "env-id", "DATABASE_URL": "  "}, secrets)
    omi = settings.omi
    assert omi is not None
    assert omi.base_url == "https://from-file.example"
    assert omi.client_id == "env-id"
    assert omi.client_secret.get_secret_value() == "file-secret"
    assert omi.max_retries == 7
    assert settings.simulator.port == 8701
    assert settings.database_url == "sqlite:///file.db", "a blank variable counts as unset"


def test_a_missing_secrets_file_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, tmp_path / "absent.toml").demo_mode


def test_secrets_toml_that_is_not_toml_is_a_config_error(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('OMI_BASE_URL = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({}, secrets)


def test_secrets_toml_that_cannot_be_read_is_a_config_error(tmp_path: Path) -> None:
    folder = tmp_path / "secrets.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings({}, folder)


def test_a_table_in_secrets_toml_is_refused_by_name(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[OMI_BASE_URL]\nurl = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="OMI_BASE_URL"):
        load_settings({}, secrets)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OMI_BASE_URL", "tenant.example"),
        ("OMI_BASE_URL", "ftp://tenant.example"),
        ("OMI_TOKEN_URL", "token"),
        ("OMI_TOKEN_URL", "ftp://idp/token"),
        ("OMI_CLIENT_AUTH", "private_key_jwt"),
        ("OMI_ENROL_PATH", "omi/qr/enrol"),
        ("OMI_STATUS_PATH", "status"),
        ("OMI_TIMEOUT", "soon"),
        ("OMI_TIMEOUT", "0"),
        ("OMI_TIMEOUT", "nan"),
        ("OMI_TIMEOUT", "inf"),
        ("OMI_MAX_RETRIES", "-1"),
        ("OMI_MAX_RETRIES", "2.5"),
        ("OMI_BACKOFF", "-0.5"),
        ("OMI_BACKOFF", "inf"),
        ("SIM_PORT", "70000"),
        ("SIM_PORT", "http"),
        ("SIM_PUBLIC_URL", "192.168.1.20:8700"),
        ("SIM_QR_TTL", "0"),
        ("SIM_TOKEN_TTL", "-5"),
        ("POLL_INTERVAL", "0"),
        ("POLL_INTERVAL", "61"),
        ("POLL_INTERVAL", "nan"),
        ("POLL_MAX_RPS", "0"),
        ("POLL_MAX_RPS", "many"),
        ("POLL_WATCHED_RPS", "20"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**REAL, name: value}, NO_FILE)
    assert name in str(caught.value)


@pytest.mark.parametrize("name", ["OMI_CLIENT_ID", "OMI_CLIENT_SECRET"])
def test_credentials_are_required_with_a_base_url(name: str) -> None:
    env = {k: v for k, v in REAL.items() if k != name}
    with pytest.raises(ConfigError, match=name):
        load_settings(env, NO_FILE)


def test_a_bad_value_from_secrets_toml_is_named_too(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("OMI_TIMEOUT = -3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="OMI_TIMEOUT"):
        load_settings(REAL, secrets)


def test_the_secret_never_shows() -> None:
    settings = load_settings(REAL, NO_FILE)
    assert settings.omi is not None
    secret = settings.omi.client_secret
    for text in (repr(settings), str(settings), repr(settings.omi), str(secret)):
        assert "s3cret-value" not in text
    assert settings.omi.client_secret.get_secret_value() == "s3cret-value"


def test_settings_are_frozen() -> None:
    settings = load_settings(REAL, NO_FILE)
    assert settings.omi is not None
    with pytest.raises(ValueError, match="frozen"):
        settings.omi.timeout = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="frozen"):
        settings.poll_interval = 5.0  # type: ignore[misc]


def test_a_blank_value_in_secrets_toml_counts_as_unset(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('DATABASE_URL = " "\nOMI_BASE_URL = ""\n', encoding="utf-8")
    settings = load_settings({}, secrets)
    assert settings.demo_mode
    assert settings.database_url == DEFAULT_DATABASE_URL


def test_other_omi_settings_are_ignored_in_demo_mode() -> None:
    assert load_settings({"OMI_TIMEOUT": "soon", "OMI_CLIENT_ID": "x"}, NO_FILE).omi is None


def test_a_malformed_secret_is_named_but_never_echoed(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'OMI_BASE_URL = "https://t.example"\nOMI_CLIENT_ID = "c"\n'
        'OMI_CLIENT_SECRET = ["s3cret-value"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="OMI_CLIENT_SECRET") as caught:
        load_settings({}, secrets)
    assert "s3cret-value" not in str(caught.value)
    assert caught.value.__cause__ is None, "no pydantic traceback behind it"


def test_device_and_push_settings_default_to_the_simulators_contract() -> None:
    omi = load_settings(REAL, NO_FILE).omi
    assert omi is not None
    assert (omi.devices_path, omi.push_path, omi.push_device_path, omi.push_status_path) == (
        "/omi/devices",
        "/omi/push",
        "/omi/push/device",
        "/omi/push/status",
    )
    assert omi.device_remove_path is None  # removal is off on a tenant unless configured
    assert omi.devices_scopes == DEFAULT_DEVICES_SCOPES
    assert load_settings({}, NO_FILE).simulator.push_ttl == 60
    off = load_settings({**REAL, "OMI_DEVICES_SCOPES": "none"}, NO_FILE).omi
    assert off is not None
    assert off.devices_scopes == ()  # a tenant that grants none of them
    with pytest.raises(ConfigError, match="OMI_PUSH_PATH must be a path"):
        load_settings({**REAL, "OMI_PUSH_PATH": "push"}, NO_FILE)
    with pytest.raises(ConfigError, match="SIM_PUSH_TTL"):
        load_settings({"SIM_PUSH_TTL": "0"}, NO_FILE)
