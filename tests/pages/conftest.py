"""AppTest fixtures: the real app on a temporary SQLite file, talking to the real simulator."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from simulator.embedded import RunningSimulator
from tests.console_support import Console, Phone, open_console
from tests.simulator.support import Api

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
RUN_TIMEOUT = 20.0
POLL_INTERVAL = "0.2"


@dataclass
class Env:
    """Where the app under test keeps its data, and the simulator it talks to (None: demo)."""

    database_url: str
    simulator: RunningSimulator | None


def page_path(name: str) -> str:
    """``pages/<name>.py`` as ``AppTest.switch_page`` wants it: relative to dashboard/app.py."""
    return f"../pages/{name}.py"


def open_page(name: str, **query: str) -> AppTest:
    """The app, run once, switched to ``pages/<name>.py`` (with ``query`` params) and run."""
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT)
    at.run()
    at.query_params.update(query)
    return at.switch_page(page_path(name)).run()


def run_until(at: AppTest, check: Callable[[AppTest], bool], timeout: float = 30.0) -> AppTest:
    """Rerun ``at`` (a fragment tick, as the browser's timer would) until ``check`` holds."""
    deadline = time.monotonic() + timeout
    while not check(at):
        assert time.monotonic() < deadline, "the page did not get there before the deadline"
        time.sleep(0.1)
        at.run()
    return at


def texts(at: AppTest) -> str:
    """Everything the page shows as text (titles, markdown, messages, captions, code...)."""
    parts: list[str] = []
    for node in [*at.main, *at.sidebar]:
        for name in ("value", "body", "label"):
            try:
                part = getattr(node, name, None)
            except Exception:  # some elements have no such value at all
                part = None
            if isinstance(part, str):
                parts.append(part)
    return "\n".join(parts)


def everything(at: AppTest) -> str:
    """Every field of every element sent to the browser, as text (for leak checks)."""
    return "\n".join(str(getattr(node, "proto", "")) for node in [*at.main, *at.sidebar])


def assert_no_exception(at: AppTest) -> None:
    """The run raised nothing (an exception element would show a traceback)."""
    assert not at.exception, [e.message for e in at.exception]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OMI_/SIM_ settings leak in from the shell; cached services are dropped afterwards
    (clearing runs ``Services.close``: the poller and any embedded simulator stop)."""
    for name in list(os.environ):
        if name.startswith(("OMI_", "SIM_", "ROLES_")) or name in (
            "DATABASE_URL",
            "POLL_INTERVAL",
            "ALLOW_UNAUTHENTICATED",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("POLL_INTERVAL", POLL_INTERVAL)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simulator: RunningSimulator
) -> Iterator[Env]:
    """The console configured for a temporary database and the test's simulator (the app's
    services stop before the simulator does)."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("OMI_BASE_URL", simulator.base_url)
    monkeypatch.setenv("OMI_CLIENT_ID", simulator.client_id)
    monkeypatch.setenv("OMI_CLIENT_SECRET", simulator.client_secret)
    monkeypatch.setenv("OMI_MAX_RETRIES", "1")
    monkeypatch.setenv("OMI_BACKOFF", "0.05")
    yield Env(url, simulator)
    st.cache_resource.clear()


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    """The console in demo mode (no OMI_BASE_URL: it starts its own simulator)."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return Env(url, None)


@pytest.fixture
def seeder(env: Env) -> Iterator[Console]:
    """A second Console on the same database and simulator, to put data in place directly.

    The database is migrated here, before the app starts, which the app then finds at head.
    """
    assert env.simulator is not None
    with open_console(env.database_url, env.simulator) as console:
        yield console


@pytest.fixture
def phone(env: Env, seeder: Console) -> Iterator[Phone]:
    """The person's phone, acting on the simulator's device pages."""
    assert env.simulator is not None
    with Api(env.simulator) as api:
        yield Phone(api, seeder)


W = TypeVar("W")


def labelled(widgets: Iterable[W], label: str) -> W:
    """The one widget among ``widgets`` whose label is ``label``."""
    found = [w for w in widgets if getattr(w, "label", None) == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}"
    return found[0]
