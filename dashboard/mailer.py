"""The mailer: one daemon thread per process that runs the invitations' jobs every few seconds
(settle ended invitations, queue due reminders, send the outbox), in that order.

A job is a callable without arguments. One that raises never stops the thread nor the jobs
after it: a ``ConsoleError`` is logged as its sentence (which never holds a secret), anything
else as its type and where it was raised, without its message (which might). The same error
again is not logged again until the job has succeeded in between, so a mail server that is down
for an hour leaves one line, not one per cycle. ``health()`` reports how it is doing.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from dashboard.domain.clock import utc_now
from dashboard.errors import ConsoleError

log = logging.getLogger(__name__)

Job = Callable[[], object]
#: Seconds between two cycles.
INTERVAL = 2.0


@dataclass(frozen=True)
class MailerHealth:
    """A snapshot of the mailer for the System and Outbox pages."""

    running: bool
    interval: float
    cycles: int
    last_cycle_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def job_name(job: Job) -> str:
    """A job's name for the log: its qualified name (``Outbox.send_due``)."""
    return str(getattr(job, "__qualname__", None) or type(job).__name__)


def describe(exc: BaseException) -> str:
    """An error as it may be logged: a ``ConsoleError``'s sentence, else its type and where
    it was raised (never its message)."""
    if isinstance(exc, ConsoleError):
        return str(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"unexpected {type(exc).__name__}{where}"


class Mailer:
    """Runs ``jobs`` one after the other every ``interval`` seconds, in a daemon thread."""

    def __init__(self, jobs: Sequence[Job], *, interval: float = INTERVAL) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.jobs = tuple(jobs)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._cycles = 0
        self._last_cycle_at: datetime | None = None
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._logged: dict[int, str] = {}

    def start(self) -> None:
        """Start the thread (once; a second call does nothing)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="mailer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the job in progress (waiting up to ``timeout``)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def health(self) -> MailerHealth:
        """How the mailer is doing."""
        with self._lock:
            return MailerHealth(
                running=self.running,
                interval=self.interval,
                cycles=self._cycles,
                last_cycle_at=self._last_cycle_at,
                last_error=self._last_error,
                last_error_at=self._last_error_at,
            )

    def run_once(self) -> None:
        """One cycle: every job once, in order."""
        started = utc_now()
        for index, job in enumerate(self.jobs):
            if self._stop.is_set() and self._thread is threading.current_thread():
                break
            try:
                job()
            except Exception as exc:  # a job's failure must never stop the mailer
                self._failed(index, job, exc)
            else:
                self._logged.pop(index, None)
        with self._lock:
            self._cycles += 1
            self._last_cycle_at = started

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            self.run_once()
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def _failed(self, index: int, job: Job, exc: Exception) -> None:
        said = describe(exc)
        with self._lock:
            self._last_error = f"{job_name(job)}: {said}"
            self._last_error_at = utc_now()
        if self._logged.get(index) != said:
            self._logged[index] = said
            log.warning("mailer job %s failed: %s", job_name(job), said)
