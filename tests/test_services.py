"""The composition root's identity store: demo mode with zero configuration (SCIM 1.1 on the
embedded simulator, surviving a restart), one token for both clients or one of its own,
``SCIM_VERSION=off``, and the System page's check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from dashboard.errors import ConfigError, IdentityStoreForbidden
from dashboard.services import Services, build_services
from dashboard.settings import DEFAULT_DEVICES_SCOPES, DEFAULT_SCOPES, load_settings
from simulator.config import ENROL_SCOPE, STATUS_SCOPE
from tests.support.scim import requests_to
from tests.support.simulator import StartSimulator

SCIM = ("SCIM:user:post", "SCIM:user:get", "SCIM:user:query")
TOKEN = "POST /auth/oauth2.0/v1/token"


@contextmanager
def services(env: dict[str, str]) -> Iterator[Services]:
    built = build_services(load_settings({"POLL_INTERVAL": "5", "PUBLIC_PORT": "0", **env}, None))
    try:
        yield built
    finally:
        built.close()


def test_demo_mode_is_scim_1_1_on_the_embedded_simulator_and_survives_a_restart(
    sqlite_url: str,
) -> None:
    env = {"DATABASE_URL": sqlite_url}
    with services(env) as first:
        assert first.simulator is not None
        assert first.store is not None
        assert not first.simulator.config.accept_any_user  # a tenant's behaviour
        assert first.omi.scopes == (*DEFAULT_SCOPES, *DEFAULT_DEVICES_SCOPES, *SCIM)  # one token
        assert first.omi.can_remove_devices  # the simulator's own removal route
        assert first.simulator.config.push_ttl == 60.0  # SIM_PUSH_TTL
        ann = first.accounts.create("ann", actor="op", email="ann@example.com")
        assert ann.tenant_id is not None
        first.enrolments.issue(ann.id, actor="op")
        check = first.system.check_identity_store()
        assert check.ok, check.message
        assert "SCIM 1.1" in check.message
    with services(env) as second:  # a new simulator, which forgot its users
        assert second.simulator is not None
        assert second.simulator.store.get_user(ann.tenant_id) is not None
        second.enrolments.issue(ann.id, actor="op")  # told again: it enrols ann
        [match] = second.accounts.find_on_tenant("ann")
        assert match.in_console


def test_an_account_made_before_is_told_to_a_restarted_demo_simulator(sqlite_url: str) -> None:
    with services({"DATABASE_URL": sqlite_url, "SCIM_VERSION": "off"}) as local:
        assert local.store is None
        assert local.simulator is not None
        assert local.simulator.config.accept_any_user  # nobody tells it the users
        old = local.accounts.create("olga", actor="op")
        assert old.tenant_id is None
        local.enrolments.issue(old.id, actor="op")
        with pytest.raises(ConfigError, match="SCIM_VERSION=off"):
            local.accounts.find_on_tenant("olga")
    with services({"DATABASE_URL": sqlite_url}) as demo:
        demo.enrolments.issue(old.id, actor="op")  # its local UUID, registered again


def test_demo_mode_has_no_scim_2_0_of_its_own(sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match=r"SCIM_VERSION=2\.0 needs SCIM_URL in demo mode"):
        build_services(load_settings({"DATABASE_URL": sqlite_url, "SCIM_VERSION": "2.0"}, None))


def test_a_separate_scim_client_gets_a_token_of_its_own(
    sqlite_url: str, start_simulator: StartSimulator
) -> None:
    sim = start_simulator()
    env = {
        "DATABASE_URL": sqlite_url,
        "OMI_BASE_URL": sim.base_url,
        "OMI_CLIENT_ID": sim.client_id,
        "OMI_CLIENT_SECRET": sim.client_secret,
        "SCIM_CLIENT_ID": sim.client_id,
        "SCIM_CLIENT_SECRET": sim.client_secret,
    }
    with services(env) as built:
        # the SCIM scopes are not asked for here
        assert built.omi.scopes == (*DEFAULT_SCOPES, *DEFAULT_DEVICES_SCOPES)
        assert not built.omi.can_remove_devices  # off unless OMI_DEVICE_REMOVE_PATH
        account = built.accounts.create("pia", actor="op")
        built.enrolments.issue(account.id, actor="op")
        assert requests_to(sim, TOKEN) == {"200": 2}  # one token each
        shown = built.system.settings_by_name()
        assert shown["SCIM_URL"] == f"{sim.base_url}/scim/v1"
        assert sim.client_secret not in repr(shown)


def test_the_system_check_names_missing_scim_scopes(
    sqlite_url: str, start_simulator: StartSimulator
) -> None:
    sim = start_simulator(allowed_scopes=(ENROL_SCOPE, STATUS_SCOPE, *DEFAULT_DEVICES_SCOPES))
    env = {
        "DATABASE_URL": sqlite_url,
        "OMI_BASE_URL": sim.base_url,
        "OMI_CLIENT_ID": sim.client_id,
        "OMI_CLIENT_SECRET": sim.client_secret,
    }
    with services(env) as built:
        check = built.system.check_identity_store()
        assert not check.ok
        assert "SCIM_SCOPES" in check.message
        assert sim.client_secret not in check.message
    with services({**env, "SCIM_VERSION": "off"}) as local:
        assert local.system.check_identity_store().ok
        assert local.omi.check().ok


def test_a_separate_scim_client_is_the_one_named_when_its_scope_is_missing(
    sqlite_url: str, start_simulator: StartSimulator
) -> None:
    sim = start_simulator()
    env = {
        "DATABASE_URL": sqlite_url,
        "OMI_BASE_URL": sim.base_url,
        "OMI_CLIENT_ID": sim.client_id,
        "OMI_CLIENT_SECRET": sim.client_secret,
        "SCIM_CLIENT_ID": sim.client_id,
        "SCIM_CLIENT_SECRET": sim.client_secret,
        "SCIM_SCOPES": "SCIM:user:get SCIM:user:query",  # no SCIM:user:post
    }
    with services(env) as built, pytest.raises(IdentityStoreForbidden) as caught:
        built.accounts.create("pia", actor="op")
    assert "SCIM:user:post" in str(caught.value)
    assert "SCIM_CLIENT_ID" in str(caught.value)
    assert "OMI_CLIENT_ID" not in str(caught.value)
