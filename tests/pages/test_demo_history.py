"""The System page's demo-history button: in demo mode only, behind a confirmation, saying
what it filled; the other pages then show the history."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.errors import ConfigError
from dashboard.ui.services import running
from tests.support.apptest import (
    Env,
    assert_no_exception,
    go,
    labelled,
    messages,
    open_page,
    texts,
    unescaped,
)

FILL = "Fill a demo history"


def buttons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def test_demo_mode_fills_a_history_after_a_confirmation(demo_env: Env) -> None:
    at = open_page("system")
    assert_no_exception(at)
    assert "Demo history" in texts(at)
    labelled(at.button, FILL).click()
    at.run()
    assert {"Yes, fill it", "Back"} <= buttons(at), "a confirmation first"

    labelled(at.button, "Yes, fill it").click()
    at.run()
    assert_no_exception(at)
    [done] = [unescaped(s.value) for s in at.success if "demo history" in s.value]
    assert done.startswith("Filled a demo history of the last 60 days: ")
    assert done.endswith("; 5 QR codes are pending now.")
    assert "Yes, fill it" not in buttons(at), "the dialog closed"
    assert labelled(at.button, FILL).disabled, "a second fill is not offered"

    for name in ("overview", "enrolments", "queue", "audit", "accounts"):
        go(at, name)
        assert_no_exception(at)
        assert not messages(at), (name, messages(at))
    go(at, "overview")
    headline = {m.label: str(m.value) for m in reversed(at.metric)}  # the first of a label
    assert headline["Pending"] == "5"
    assert int(headline["Enrolled"].replace(",", "")) > 150


def test_back_fills_nothing(demo_env: Env) -> None:
    at = open_page("system")
    labelled(at.button, FILL).click()
    at.run()
    labelled(at.button, "Back").click()
    at.run()
    assert_no_exception(at)
    assert "Yes, fill it" not in buttons(at)
    assert not labelled(at.button, FILL).disabled, "the database is still empty"


def test_no_button_against_a_tenant_and_the_services_refuse(env: Env) -> None:
    at = open_page("system")
    assert_no_exception(at)
    assert FILL not in buttons(at)
    assert "Demo history" not in texts(at)
    shared = running()
    assert shared is not None
    assert not shared.demo_mode
    with pytest.raises(ConfigError, match="only in demo mode"):
        shared.demo_history().fill()
