"""The distributed poller under a database fault: three console processes poll 200 pending
enrolments on one PostgreSQL database, phones confirm and decline, and the PostgreSQL server
restarts in the middle. Each process recovers by itself, none logs a traceback, and every
enrolment's final state agrees with the simulator's.

The server is a private cluster (``initdb`` in a temporary folder, its own port), not the
machine's shared one: restarting that would break whatever else runs against it. It needs
root (to run the server as the ``postgres`` user) and Debian's PostgreSQL binaries; the test
skips without them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.domain.statuses import Status
from tests.conftest import StartSimulator
from tests.console_support import Console, Phone, open_console
from tests.reliability.conftest import console_env
from tests.reliability.support import (
    ConsoleProcess,
    Controls,
    assert_consistent,
    start_console_process,
    wait_until,
)

BIN = Path("/usr/lib/postgresql/15/bin")
ACCOUNTS = 200
PROCESSES = 3
SIM_FINAL = {"ENROLLED": Status.ENROLLED, "DECLINED": Status.DECLINED, "PENDING": Status.PENDING}
PHONE_FINAL = {"confirm": Status.ENROLLED, "decline": Status.DECLINED}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A PostgreSQL server of this test's own, run as the ``postgres`` user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="console-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.folder.chmod(0o755)
        shutil.chown(self.folder, "postgres")
        self._as_postgres(BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                          "--no-sync")  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(BIN / "pg_ctl", "-D", self.data, "-o", options, "-l",
                          self.folder / "server.log", "-w", "start")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def restart(self) -> None:
        """A fast restart: every connection is cut; the server is back when this returns."""
        self._as_postgres(
            BIN / "pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-m", "fast", "-w",
            "restart",
        )  # fmt: skip

    def remove(self) -> None:
        self._as_postgres(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop",
                          check=False)  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _as_postgres(*command: object, check: bool = True) -> None:
        subprocess.run(
            ["/usr/sbin/runuser", "-u", "postgres", "--", *map(str, command)],
            check=check,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the server inherits these: no pipe left open
            stderr=subprocess.DEVNULL,
            timeout=120,
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if os.geteuid() != 0 or not (BIN / "initdb").exists() or not Path("/usr/sbin/runuser").exists():
        pytest.skip("needs root and Debian's PostgreSQL 15 binaries for a private cluster")
    server = Cluster()
    try:
        yield server
    finally:
        server.remove()


def reached(console: Console, wanted: dict[uuid.UUID, Status]) -> bool:
    try:
        return all(
            (latest := console.enrolments.latest(account)) is not None and latest.status is status
            for account, status in wanted.items()
        )
    except Exception:
        return False


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_three_pollers_recover_from_a_postgres_restart(
    cluster: Cluster, start_simulator: StartSimulator, tmp_path: Path
) -> None:
    sim = start_simulator(qr_ttl=900.0)
    env = console_env(sim, cluster.url, poll="0.5") | {"POLL_MAX_RPS": "200"}
    logs = [tmp_path / f"console{n}.log" for n in range(PROCESSES)]  # one each: "ready" is per log
    processes: list[ConsoleProcess] = []
    with open_console(cluster.url, sim) as console, Controls(sim) as controls:
        phone = Phone(controls.api)
        ids = [console.accounts.create(f"pgrestart{i:03d}", actor="t").id for i in range(ACCOUNTS)]
        for account in ids:
            console.enrolments.issue(account, actor="t")
        wanted = dict.fromkeys(ids, Status.PENDING)

        def act(numbers: range, action: str) -> None:
            for n in numbers:
                phone.finish(ids[n], action, device_name=f"phone {n}")
                wanted[ids[n]] = PHONE_FINAL[action]

        try:
            processes += [start_console_process(env, log) for log in logs]
            act(range(0, 40), "confirm")
            act(range(40, 50), "decline")
            wait_until(lambda: reached(console, wanted), timeout=120, what="before the restart")
            act(range(50, 80), "confirm")
            cluster.restart()
            act(range(80, 100), "confirm")
            act(range(100, 110), "decline")
            wait_until(lambda: reached(console, wanted), timeout=180, what="after the restart")
            assert all(p.process.poll() is None for p in processes), "a console process died"
        finally:
            for process in processes:
                process.stop()
        views = assert_consistent(console)
        assert sorted(v.account_id for v in views) == sorted(ids), "lost or duplicated"
        at_simulator = controls.enrolments()
        for view in views:
            assert SIM_FINAL[at_simulator[view.account_id.hex]["status"]] is view.status
    for log in logs:
        assert "Traceback" not in log.read_text(), log
