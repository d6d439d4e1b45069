"""Waiting for something that happens in another thread or process."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(check: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    """Poll ``check`` until it holds; fail after a generous ``timeout`` (never a timed assert)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not reached before the deadline: {what}"
        time.sleep(0.05)
