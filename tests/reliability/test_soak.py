"""A soak test: 200 enrolments issued by operators (most through the use-cases from a second
console, some through the Enrol page), finished by a thread acting as the phones at random
moments (confirm most, decline some, let some expire, a few at the last second), while
several sessions watch. At the end the database agrees with the simulator, enrolment by
enrolment, and with what the phones did.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.domain.statuses import Status
from dashboard.views.looks import LOOKS
from simulator.embedded import RunningSimulator
from tests.support.apptest import assert_no_exception, console_env, labelled, messages, open_page
from tests.support.console import assert_consistent, open_console
from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until

ENROLMENTS = 200
THROUGH_THE_PAGE = 12
QR_TTL = 5.0
SIM_STATUS = {"ENROLLED": Status.ENROLLED, "DECLINED": Status.DECLINED, "EXPIRED": Status.EXPIRED}


@dataclass
class Phones:
    """A thread acting as every phone: finds new QR codes at the simulator and, at a random
    moment, confirms (most), declines (some) or ignores them (they expire); a few act just
    around the moment the code expires. Records what each phone's last word was."""

    sim: RunningSimulator
    seed: int = 6
    outcome: dict[str, Status] = field(default_factory=dict)  # user id (hex) → what happened
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        rng = random.Random(self.seed)
        plan: list[tuple[float, str, str, str]] = []  # (when, user, device url, action)
        seen: set[str] = set()
        with Simulator(self.sim) as api:
            while not self.stop.is_set():
                try:
                    now = time.monotonic()
                    listing = api.http.get("/_sim/enrolments").json()
                    for found in listing:
                        user = uuid.UUID(found["userId"]).hex
                        if user in seen or found["status"] not in ("PENDING", "SCANNED"):
                            continue
                        seen.add(user)
                        self.outcome[user] = Status.EXPIRED  # unless the phone does something
                        roll = rng.random()
                        if roll < 0.08:
                            continue  # never scanned: it expires
                        action = "decline" if roll < 0.2 else "confirm"
                        if roll > 0.95:  # around the last second of the code's life
                            delay = QR_TTL + rng.uniform(-0.6, 0.3)
                        else:
                            delay = rng.uniform(0.05, QR_TTL * 0.6)
                        plan.append((now + delay, user, found["deviceUrl"], action))
                    plan.sort()
                    while plan and plan[0][0] <= time.monotonic():
                        _, user, url, action = plan.pop(0)
                        self.act(api, user, url, action)
                except Exception as exc:  # reported by the test, never a silent death
                    self.errors.append(repr(exc))
                time.sleep(0.02)

    def act(self, api: Simulator, user: str, url: str, action: str) -> None:
        if action == "confirm" and api.http.get(url).status_code != 200:  # the scan
            return  # expired before the phone got to it
        answer = api.http.post(url, data={"action": action, "device_name": f"p-{user[:6]}"})
        if answer.status_code == 200:
            self.outcome[user] = Status.ENROLLED if action == "confirm" else Status.DECLINED
        elif answer.status_code != 410:  # 410: the code expired first
            self.errors.append(f"{action} {user}: {answer.status_code}")


def tick(watchers: list[AppTest]) -> None:
    """One refresh of every watching session: never a traceback, never an error box other
    than the sentence of a failed ending (declined, expired)."""
    endings = {shown.sentence for shown in LOOKS.values()}
    for watcher in watchers:
        watcher.run()
        assert_no_exception(watcher)
        said = [m for m in messages(watcher) if m not in endings]
        assert not said, said


@pytest.mark.slow
def test_soak_200_enrolments_end_agreeing_with_the_simulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_simulator: StartSimulator
) -> None:
    sim = start_simulator(qr_ttl=QR_TTL)
    url = f"sqlite:///{tmp_path / 'console.db'}"
    for name, value in console_env(sim, url, poll="0.25").items():
        monkeypatch.setenv(name, value)
    try:
        soak(url, sim)
    finally:
        st.cache_resource.clear()  # the app's poller stops before the simulator does


def soak(url: str, sim: RunningSimulator) -> None:
    with open_console(url, sim) as operators, Simulator(sim) as controls:
        accounts = [
            operators.accounts.create(f"soak{i:03d}", actor="test").id for i in range(ENROLMENTS)
        ]
        through_page = set(accounts[:: ENROLMENTS // THROUGH_THE_PAGE])
        phones = Phones(sim)
        thread = threading.Thread(target=phones.run, name="phones", daemon=True)
        watchers = [open_page("enrolments"), open_page("overview"), open_page("accounts")]
        thread.start()
        try:
            rng = random.Random(60)
            for index, account in enumerate(accounts):
                if account in through_page:
                    operator = open_page("enrol", account=str(account))
                    labelled(operator.button, "Issue QR code").click()
                    operator.run()
                    assert_no_exception(operator)
                    assert not messages(operator), messages(operator)
                    watchers.append(operator)
                else:
                    operators.enrolments.issue(account, actor="operator")
                if index % 10 == 0:
                    tick(watchers[:3] + watchers[-2:])
                time.sleep(rng.uniform(0, 0.04))
            wait_until(
                lambda: operators.polling.count_active() == 0,
                timeout=60,
                what="every enrolment ends",
            )
            tick(watchers)
        finally:
            phones.stop.set()
            thread.join(10)
        assert not phones.errors, phones.errors[:5]

        views = assert_consistent(operators)
        assert len(views) == ENROLMENTS, "an enrolment was lost or duplicated"
        at_simulator = controls.enrolments()
        disagree = []
        for view in views:
            user = uuid.UUID(operators.accounts.get(view.account_id).reference).hex  # the tenant's
            remote, did = at_simulator[user]["status"], phones.outcome[user]
            if not SIM_STATUS[remote] is view.status is did:
                disagree.append(
                    f"{view.username}: console {view.status}, API {remote}, phone {did}"
                )
            elif view.status is Status.ENROLLED and view.device_name != f"p-{user[:6]}":
                disagree.append(f"{view.username}: device {view.device_name!r}")
        assert not disagree, disagree
        endings = {s.value: sum(v.status is s for v in views) for s in SIM_STATUS.values()}
        assert all(endings.values()), endings  # every kind of ending happened
        assert sum(v.issued_by == "local" for v in views) >= THROUGH_THE_PAGE - 1
