"""The mailer thread: it runs its jobs in order every cycle; a job that raises neither stops the
thread nor the jobs after it, and is logged once, without its message unless it is a sentence
of the console's own."""

from __future__ import annotations

import logging

import pytest

from dashboard.errors import MailError
from dashboard.mailer import Mailer, describe
from tests.support.waiting import wait_until

SECRET = "token-abc123-do-not-log"


class Jobs:
    """Three jobs: one that fails as told, one that breaks unexpectedly, one that counts."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failing = True

    def settle(self) -> None:
        self.calls.append("settle")
        if self.failing:
            raise MailError("The mail server 127.0.0.1:25 refused the connection.")

    def broken(self) -> None:
        self.calls.append("broken")
        raise ValueError(f"something with {SECRET}")

    def send_due(self) -> int:
        self.calls.append("send_due")
        return 0


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


def test_failures_never_stop_the_thread_and_are_logged_once(
    jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dashboard.mailer")
    mailer = Mailer([jobs.settle, jobs.broken, jobs.send_due], interval=0.05)
    mailer.start()
    mailer.start()  # a second start does nothing
    try:
        wait_until(lambda: mailer.health().cycles >= 4, what="four cycles")
        assert mailer.running
        assert jobs.calls[:3] == ["settle", "broken", "send_due"]
        jobs.failing = False
        seen = mailer.health().cycles
        wait_until(lambda: mailer.health().cycles >= seen + 2, what="two more cycles")
    finally:
        mailer.stop()
    assert not mailer.running
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.mailer"]
    assert sum("refused the connection" in line for line in lines) == 1
    assert sum("unexpected ValueError" in line for line in lines) == 1
    assert SECRET not in caplog.text
    health = mailer.health()
    assert health.last_error is not None
    assert "Jobs.broken: unexpected ValueError" in health.last_error
    assert SECRET not in health.last_error
    assert health.last_cycle_at is not None


def test_run_once_runs_every_job_in_order(jobs: Jobs) -> None:
    Mailer([jobs.send_due, jobs.settle, jobs.send_due]).run_once()
    assert jobs.calls == ["send_due", "settle", "send_due"]


def test_describe_keeps_messages_of_unknown_errors_out() -> None:
    try:
        raise KeyError(SECRET)
    except KeyError as exc:
        said = describe(exc)
    assert said.startswith("unexpected KeyError at ")
    assert SECRET not in said
    assert describe(MailError("a sentence")) == "a sentence"
    with pytest.raises(ValueError, match="positive"):
        Mailer([], interval=0)
