"""``python -m simulator`` as a separate process."""

from __future__ import annotations

import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from tests.support.simulator import TOKEN

SIMULATOR = [sys.executable, "-m", "simulator", "--host", "127.0.0.1", "--port", "0"]
ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"listening on (?P<url>http://\S+) public_url=(?P<public>\S+) "
    r"client_id=(?P<id>\S+) client_secret=(?P<secret>.+)$"
)
Cli = tuple[subprocess.Popen[str], re.Match[str]]


@contextmanager
def running_cli(tmp_path: Path, *args: str) -> Iterator[Cli]:
    """The CLI on a free port (``--port 0``) with its parsed start-up line; terminated after."""
    log = tmp_path / "stderr.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [*SIMULATOR, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as process,
        selectors.DefaultSelector() as selector,
    ):
        try:
            assert process.stdout is not None
            selector.register(process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 30
            line = ""
            while not line and time.monotonic() < deadline and process.poll() is None:
                if selector.select(timeout=0.5):
                    line = process.stdout.readline()
            match = LINE.search(line.rstrip("\n"))
            assert match, f"unexpected start-up output {line!r}: {log.read_text()}"
            yield process, match
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    """The CLI with a client id and secret given on its command line."""
    with running_cli(tmp_path, "--client-id", "cli-demo", "--client-secret", "cli-secret") as cli:
        yield cli


def test_cli_serves_tokens_and_stops_cleanly(cli: Cli, tmp_path: Path) -> None:
    process, match = cli
    assert match["id"] == "cli-demo"
    assert match["secret"] == "(as given)"  # the caller's secret is not printed
    assert match["public"] == match["url"]
    with httpx2.Client(base_url=match["url"], trust_env=False) as http:
        response = http.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=("cli-demo", "cli-secret"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "Bearer"
        token = response.json()["access_token"]
    process.terminate()
    assert process.wait(timeout=15) == 0
    assert process.stdout is not None
    output = match.string + process.stdout.read() + (tmp_path / "stderr.log").read_text()
    assert token not in output
    assert "cli-secret" not in output


def test_cli_prints_a_secret_it_generated(tmp_path: Path) -> None:
    with running_cli(tmp_path) as (_, match):
        secret = match["secret"]
        assert secret != "(as given)"
        response = httpx2.post(
            f"{match['url']}{TOKEN}",
            data={"grant_type": "client_credentials"},
            auth=(match["id"], secret),
            trust_env=False,
        )
        assert response.status_code == 200, response.text


def test_cli_rejects_bad_values() -> None:
    result = subprocess.run(
        [*SIMULATOR, "--qr-ttl", "-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "qr_ttl" in result.stderr
