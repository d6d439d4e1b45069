"""Restarts: the console process is killed (SIGKILL) while 20 enrolments are pending, phones
confirm and decline while it is down, and it starts again on the same SQLite file and the same
simulator: every enrolment reaches its right final state, none lost, none duplicated.

The console process is ``tests.reliability.console_process``: the services ``streamlit run``
builds (database, client, poller) without the web server, since no browser session is needed
to start the poller that way. The enrolments are issued with the real use-cases in this
process; only the console process's poller moves them on (this process runs none).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dashboard.domain.statuses import Status
from tests.support.apptest import console_env
from tests.support.console import Console, assert_consistent, open_console
from tests.support.phone import Phone
from tests.support.servers import ConsoleProcess, start_console_process
from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until

ACCOUNTS = 20
KILLS = 2
SIM_FINAL = {"ENROLLED": Status.ENROLLED, "DECLINED": Status.DECLINED}
PHONE_FINAL = {"confirm": Status.ENROLLED, "decline": Status.DECLINED}


def reached(console: Console, wanted: dict[uuid.UUID, Status]) -> bool:
    """Whether each account's enrolment is at the wanted status."""
    for account, status in wanted.items():
        latest = console.enrolments.latest(account)
        if latest is None or latest.status is not status:
            return False
    return True


@pytest.mark.slow
def test_sigkill_with_pending_enrolments_loses_nothing(
    tmp_path: Path, start_simulator: StartSimulator
) -> None:
    sim = start_simulator()
    url = f"sqlite:///{tmp_path / 'console.db'}"
    env = console_env(sim, url, poll="0.2")
    log = tmp_path / "console.log"
    processes: list[ConsoleProcess] = []

    def start() -> ConsoleProcess:
        processes.append(start_console_process(env, log))
        return processes[-1]

    with open_console(url, sim) as console, Simulator(sim) as controls:
        phone = Phone(controls, console)
        ids = [console.accounts.create(f"restart{i:02d}", actor="test").id for i in range(20)]
        for account in ids:
            console.enrolments.issue(account, actor="test")
        assert console.polling.count_active() == ACCOUNTS
        wanted = dict.fromkeys(ids, Status.PENDING)

        def act(numbers: range | list[int], action: str) -> None:
            for n in numbers:
                if action == "scan":
                    phone.scan(ids[n])
                    wanted[ids[n]] = Status.SCANNED
                else:
                    phone.finish(ids[n], action, device_name=f"phone {n}")
                    wanted[ids[n]] = PHONE_FINAL[action]

        try:
            first = start()
            act(range(0, 4), "confirm")
            act([4], "decline")
            act([5, 6], "scan")
            wait_until(lambda: reached(console, wanted), what="the first process polls")
            first.kill()

            # Down: phones carry on without the console.
            act([5, 7, 8, 9, 10], "confirm")
            act([6, 11, 12], "decline")
            act([13], "scan")
            second = start()
            wait_until(lambda: reached(console, wanted), what="the restarted process catches up")

            # Killed at a moment of its own choosing: right after a burst of phone activity.
            act(range(14, 17), "confirm")
            act([13], "confirm")
            second.kill()
            third = start()
            act([17, 18], "confirm")
            act([19], "decline")
            wait_until(lambda: reached(console, wanted), what="the last process finishes")
            third.stop()
        finally:
            for process in processes:
                process.stop()

        views = assert_consistent(console)
        assert len(views) == ACCOUNTS, "an enrolment was lost or duplicated"
        assert sorted(v.account_id for v in views) == sorted(ids)
        at_simulator = controls.enrolments()
        for view in views:
            remote = at_simulator[uuid.UUID(console.accounts.get(view.account_id).reference).hex]
            assert SIM_FINAL[remote["status"]] is view.status is wanted[view.account_id]
            if view.status is Status.ENROLLED:
                assert view.device_name == f"phone {ids.index(view.account_id)}"
        assert len(processes) == KILLS + 1
        secrets = controls.secrets()
    text = log.read_text()
    assert "Traceback" not in text
    assert not [s[:6] for s in secrets if s in text], "a secret reached the console's log"
