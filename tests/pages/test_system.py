"""The System page: configuration with secrets masked, connectivity, poller, database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import head_revision
from simulator.embedded import RunningSimulator
from tests.support.apptest import Env, assert_no_exception, everything, labelled, open_page, texts


def settings_table(at: AppTest) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table["Setting"], table["Value"], strict=True))


def issued_tokens(sim: RunningSimulator) -> list[str]:
    with sim.store.lock:
        return list(sim.store.tokens)


def test_every_setting_is_shown_with_secrets_masked(env: Env) -> None:
    assert env.simulator is not None
    at = open_page("system")
    assert_no_exception(at)

    shown = settings_table(at)
    assert shown["OMI_BASE_URL"] == env.simulator.base_url
    assert shown["OMI_CLIENT_ID"] == env.simulator.client_id
    assert shown["OMI_CLIENT_SECRET"] == "set"
    assert shown["SIM_CLIENT_SECRET"] == "not set"
    assert shown["OMI_SCOPES"] == (
        "credential:omi:enrol:qr:admin:post credential:omi:enrol:status:get"
    )
    assert shown["POLL_INTERVAL"] == "0.2 s"
    assert shown["DATABASE_URL"] == env.database_url
    for name in ("OMI_TOKEN_URL", "OMI_TIMEOUT", "SIM_HOST", "SIM_QR_TTL", "SIM_TOKEN_TTL"):
        assert name in shown
    page = everything(at)
    assert "OMI_CLIENT_SECRET" in page  # the scan sees the table's cells too
    assert env.simulator.client_secret not in page


def test_connectivity_check_reports_token_scopes_and_latency_without_leaking(
    env: Env,
) -> None:
    assert env.simulator is not None
    at = open_page("system")
    labelled(at.button, "Check connectivity").click()
    at.run()

    assert_no_exception(at)
    message = at.success[0].value.replace("\\", "")
    assert message.startswith(f"Connected to {env.simulator.base_url} in ")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Token obtained"] == "Yes"
    assert metrics["Scopes granted"] == "9"  # enrolment, devices and SCIM scopes: one token
    assert metrics["Latency"].endswith(" ms")
    tokens = issued_tokens(env.simulator)
    assert tokens, "the check fetched a token"
    page = everything(at)
    assert env.simulator.client_secret not in page
    for token in tokens:
        assert token not in page


def test_the_identity_store_check_and_its_settings(env: Env) -> None:
    assert env.simulator is not None
    at = open_page("system")
    assert f"Identity store: {env.simulator.base_url}/scim/v1" in texts(at)
    labelled(at.button, "Check identity store").click()
    at.run()
    assert_no_exception(at)
    [ok] = [s.value.replace("\\", "") for s in at.success if "SCIM" in s.value]
    assert ok.startswith(f"SCIM 1.1 at {env.simulator.base_url}/scim/v1 answered a query in")
    assert "the token has the SCIM scopes" in ok
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Missing scopes"] == "none"
    table = at.dataframe[-1].value
    shown = dict(zip(table["Setting"], table["Value"], strict=True))
    assert shown["SCIM_VERSION"] == "1.1"
    assert shown["SCIM_URL"] == f"{env.simulator.base_url}/scim/v1"
    assert shown["SCIM_SCOPES"] == "SCIM:user:post SCIM:user:get SCIM:user:query"
    assert shown["SCIM_CLIENT_SECRET"] == "(not set)"
    assert env.simulator.client_secret not in everything(at)


def test_a_refused_client_is_reported_as_a_sentence(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMI_CLIENT_SECRET", "wrong-secret-0123456789")
    at = open_page("system")
    labelled(at.button, "Check connectivity").click()
    at.run()

    assert_no_exception(at)
    assert at.error, "the failure is shown"
    assert {m.label: m.value for m in at.metric}["Token obtained"] == "No"
    assert "wrong-secret-0123456789" not in everything(at)
    assert settings_table(at)["OMI_CLIENT_SECRET"] == "set"


def test_poller_and_database(env: Env) -> None:
    at = open_page("system")
    assert_no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["State"] == "Running"
    assert metrics["Interval"] == "0.2 s"
    assert metrics["Backend"] == "sqlite"
    assert metrics["Schema version"] == head_revision()
    assert metrics["Newest migration"] == head_revision()
    assert f"Database: {env.database_url}" in texts(at)


def test_demo_mode_shows_the_embedded_simulator_and_hides_its_secret(
    demo_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIM_CLIENT_SECRET", "demo-secret-abcdef-0123456789")
    at = open_page("system")
    labelled(at.button, "Check connectivity").click()
    at.run()

    assert_no_exception(at)
    shown = settings_table(at)
    assert shown["OMI_BASE_URL"].startswith("http://127.0.0.1:")
    assert shown["OMI_CLIENT_SECRET"] == "set"
    assert shown["SIM_CLIENT_SECRET"] == "set"
    assert "In demo mode the OMI_ lines describe the embedded simulator." in texts(at)
    assert at.success, "the embedded simulator answers"
    assert "demo-secret-abcdef-0123456789" not in everything(at)
