"""``python -m dashboard.public_page`` serves the page alone on DATABASE_URL, stops on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx2

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_runs_alone_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "public.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMI_", "SIM_", "PUBLIC_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}", PUBLIC_PORT="0", PYTHONPATH=str(ROOT))
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.public_page"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        found: list[str] = []

        def started() -> bool:
            found[:] = re.findall(r"public enrolment page at (http://\S+)", log.read_text())
            return bool(found) or process.poll() is not None

        wait_until(started, 60, "the page's address printed")
        assert found, log.read_text()
        assert httpx2.get(f"{found[0]}/healthz", trust_env=False).text == "ok"
        assert httpx2.get(f"{found[0]}/i/nothing", trust_env=False).status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(30)
    assert code == 0, log.read_text()
