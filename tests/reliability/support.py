"""Helpers for the reliability tests: simulator controls, the database invariants, page texts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from streamlit.testing.v1 import AppTest

from dashboard.domain.records import EnrolmentFilter, EnrolmentSort, EnrolmentView
from dashboard.domain.statuses import ACTIVE, TERMINAL, Status
from dashboard.ui.widgets import plain
from simulator.embedded import RunningSimulator
from tests.console_support import Console
from tests.simulator.support import Api


def wait_until(check: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    """Poll ``check`` until it holds; fail after a generous deadline (never a timed assert)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not reached before the deadline: {what}"
        time.sleep(0.05)


class Controls:
    """The simulator's ``/_sim/`` controls; remembers every token it ever saw issued."""

    def __init__(self, sim: RunningSimulator) -> None:
        self.sim = sim
        self.api = Api(sim)
        self.tokens_seen: set[str] = set()

    def __enter__(self) -> Controls:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.remember_tokens()
        self.api.http.close()

    def fault(self, route: str, **spec: Any) -> None:
        """Queue a fault on ``route`` (token, enrol, status)."""
        self.api.fault(route=route, **spec)

    def clear(self) -> None:
        """Drop every queued fault: the service is well again."""
        assert self.api.http.delete("/_sim/faults").status_code == 204

    def revoke(self) -> None:
        """Revoke every token the service issued."""
        self.remember_tokens()
        assert self.api.http.post("/_sim/tokens/revoke").status_code == 200

    def enrolments(self) -> dict[str, dict[str, Any]]:
        """The simulator's current enrolment of every user, by user id (hex, no dashes)."""
        response = self.api.http.get("/_sim/enrolments")
        assert response.status_code == 200, response.text
        return {uuid.UUID(e["userId"]).hex: e for e in response.json()}

    def remember_tokens(self) -> None:
        """Note every live token (revocation and reset forget them)."""
        with self.sim.store.lock:
            self.tokens_seen.update(self.sim.store.tokens)

    def secrets(self) -> set[str]:
        """The client secret and every access token seen so far."""
        self.remember_tokens()
        return {self.sim.client_secret, *self.tokens_seen}


def all_enrolments(console: Console) -> list[EnrolmentView]:
    """Every enrolment in the database, oldest first."""
    views, total = console.table.page(EnrolmentFilter(), EnrolmentSort("id", False), 1000)
    assert len(views) == total
    return views


def assert_consistent(console: Console) -> list[EnrolmentView]:
    """The database invariants no fault may break; returns every enrolment.

    At most one active enrolment per account; every enrolment starts with one issue event
    and its events chain from state to state ending at its status; finished ones have a
    finish time and no QR image; no transition is recorded twice.
    """
    views = all_enrolments(console)
    active: dict[uuid.UUID, list[int]] = defaultdict(list)
    for view in views:
        if view.status in ACTIVE:
            active[view.account_id].append(view.id)
            assert view.finished_at is None, view
        else:
            assert view.status in TERMINAL
            assert view.finished_at is not None, view
            assert console.enrolments.qr_png(view.id) is None
        events = console.enrolments.events(view.id)
        assert events, f"enrolment #{view.id} has no events"
        assert (events[0].from_status, events[0].to_status) == (None, Status.PENDING.value)
        moves = [(e.from_status, e.to_status) for e in events if e.from_status != e.to_status]
        assert len(moves) == len(set(moves)), f"#{view.id} recorded a move twice: {moves}"
        current = None
        for frm, to in moves:
            assert frm == current, f"#{view.id} events do not chain: {moves}"
            current = to
        assert current == view.status.value, f"#{view.id} is {view.status} but events say {moves}"
    doubled = {k: v for k, v in active.items() if len(v) > 1}
    assert not doubled, f"accounts with more than one active enrolment: {doubled}"
    return views


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


def assert_rendered_harmlessly(at: AppTest, *texts: str) -> None:
    """Wherever one of ``texts`` reaches a Markdown element, it arrives escaped (so it shows
    as typed), and no element allows raw HTML."""
    for value in markdown_values(at):
        shown = unescaped(value)
        for text in texts:
            if text and text in shown:
                assert plain(text) in value, f"{text!r} reaches Markdown unescaped: {value!r}"
    for kind in MARKDOWN_KINDS:
        for element in at.get(kind):
            assert not getattr(element.proto, "allow_html", False), element


ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ConsoleProcess:
    """A console process (``tests.reliability.console_process``) and its log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine loses power."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL) if it still runs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_console_process(env: dict[str, str], log: Path) -> ConsoleProcess:
    """Start a console process with ``env`` (over a clean environment); wait until it polls."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OMI_", "SIM_"))}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.console_process"],
            cwd=ROOT,
            env=clean | env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = ConsoleProcess(process, log)
    try:
        wait_until(
            lambda: process.poll() is not None or "ready: poller running=True" in log.read_text(),
            timeout=60,
            what="the console process starts",
        )
    except AssertionError:
        running.stop()
        raise
    assert process.poll() is None, log.read_text()
    return running
