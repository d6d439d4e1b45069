"""Driving the real app with Streamlit's AppTest, and reading what its pages show."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from streamlit.testing.v1 import AppTest

from dashboard.ui.widgets import plain
from simulator.embedded import RunningSimulator
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
RUN_TIMEOUT = 20.0
POLL_INTERVAL = "0.2"
#: Short enough that a ``delay`` fault of 1.5 s is a timeout, long enough for a loaded machine.
OMI_TIMEOUT = "1"
W = TypeVar("W")
#: What turns sign-in on for the app under test (``at.secrets``); the provider is never asked.
AUTH: dict[str, Any] = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "a-test-cookie-secret-of-some-length",
        "client_id": "console",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


@dataclass
class Env:
    """Where the app under test keeps its data, and the simulator it talks to (None: demo)."""

    database_url: str
    simulator: RunningSimulator | None


def console_env(sim: RunningSimulator, database_url: str, poll: str = "0.2") -> dict[str, str]:
    """The environment a console (app or process) needs to talk to ``sim`` quickly."""
    return {
        "DATABASE_URL": database_url,
        "OMI_BASE_URL": sim.base_url,
        "OMI_CLIENT_ID": sim.client_id,
        "OMI_CLIENT_SECRET": sim.client_secret,
        "OMI_TIMEOUT": OMI_TIMEOUT,
        "OMI_MAX_RETRIES": "1",
        "OMI_BACKOFF": "0.01",
        "POLL_INTERVAL": poll,
    }


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

    def rerun() -> bool:
        if check(at):
            return True
        at.run()
        return False

    wait_until(rerun, timeout, "the page gets there")
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


def assert_no_exception(at: AppTest, where: str = "") -> None:
    """The run raised nothing (an exception element would show a traceback); ``where`` names
    the page in the failure."""
    assert not at.exception, (where, [(e.message, e.stack_trace) for e in at.exception])


def labelled(widgets: Iterable[W], label: str) -> W:
    """The one widget among ``widgets`` whose label is ``label``."""
    found = [w for w in widgets if getattr(w, "label", None) == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}"
    return found[0]


ICON_CODE = re.compile(r":material/[a-z0-9_]+:")


def unescaped(value: str) -> str:
    r"""``value`` with Markdown backslash escapes removed (``\*`` → ``*``)."""
    return re.sub(r"\\(.)", r"\1", value, flags=re.DOTALL)


def messages(at: AppTest) -> list[str]:
    """The texts of every error and warning box, unescaped, as a person reads them."""
    return [unescaped(str(m.value)) for m in [*at.error, *at.warning]]


MARKDOWN_KINDS = (
    "markdown",
    "caption",
    "error",
    "warning",
    "info",
    "success",
    "title",
    "header",
    "subheader",
)


def markdown_values(at: AppTest) -> list[str]:
    """The source of every element Streamlit renders as Markdown."""
    found: list[str] = []
    for kind in MARKDOWN_KINDS:
        found.extend(str(getattr(e, "value", "")) for e in at.get(kind))
    return found


def assert_rendered_harmlessly(at: AppTest, *shown_texts: str) -> None:
    """Wherever one of ``shown_texts`` reaches a Markdown element, it arrives escaped (so it
    shows as typed), and no element allows raw HTML."""
    for value in markdown_values(at):
        # An icon code (``:material/no_accounts:``) is the console's own markup, not text.
        shown = ICON_CODE.sub("", unescaped(value))
        for text in shown_texts:
            if text and text in shown:
                assert plain(text) in value, f"{text!r} reaches Markdown unescaped: {value!r}"
    for kind in MARKDOWN_KINDS:
        for element in at.get(kind):
            assert not getattr(element.proto, "allow_html", False), element


def signed_in(email: str | None, **claims: Any) -> AppTest:
    """The app with sign-in configured and ``email`` signed in (None: nobody), run once."""
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT)
    at.secrets = {key: dict(value) for key, value in AUTH.items()}
    at.user = {"is_logged_in": False} if email is None else {
        "is_logged_in": True, "email": email, **claims
    }  # fmt: skip
    return at.run()


def go(at: AppTest, name: str, **query: str) -> AppTest:
    """``at`` switched to ``pages/<name>.py`` (with ``query`` params) and run."""
    at.query_params.update(query)
    return at.switch_page(page_path(name)).run()
