"""Processes the benchmarks start: a Streamlit script on a free port, and their memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STARTUP_TIMEOUT = 90.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``streamlit run`` process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mib(self) -> float:
        """The process's resident memory now (VmRSS), in MiB."""
        return rss_mib(self.pid)

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far, in seconds."""
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        """Terminate the process (kill it after 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_streamlit(script: str, env: dict[str, str], log: Path) -> Server:
    """``streamlit run <script>`` on a free port with ``env`` over a clean environment.

    The file watcher is off: other people edit the tree while benchmarks run, and a rerun on
    save would disturb the figures.
    """
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OMI_", "SIM_"))}
    clean.pop("POLL_INTERVAL", None)
    clean.pop("DATABASE_URL", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--server.runOnSave",
                "false",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=clean | env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{script} exited early:\n{log.read_text()}")
        try:
            if httpx2.get(f"{server.url}/_stcore/health", timeout=1).status_code == 200:
                return server
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{script} did not become healthy:\n{log.read_text()}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` (VmRSS from /proc), in MiB."""
    return _status_kib(pid, "VmRSS") / 1024


def _status_kib(pid: int | str, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM); False when the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def own_rss_kib() -> int:
    """This process's resident memory now, in KiB."""
    return _status_kib("self", "VmRSS")


def own_peak_kib() -> int:
    """This process's peak resident memory since start or the last ``reset_peak``, in KiB."""
    return _status_kib("self", "VmHWM")
