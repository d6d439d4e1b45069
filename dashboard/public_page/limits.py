"""How many link attempts one client address may make per minute (``INVITE_ATTEMPTS_PER_MINUTE``).

An attempt is an opening of a link's page, or any request naming a link that is not live. The
status polls and the image of a live link do not count (an open page polls every few seconds),
but a blocked address is refused those too until its minute has passed.

The count is kept in memory, per process: it resets when the process restarts, and N console
processes behind one balancer allow an address N times the rate. That is enough for what it
guards against (a token has 256 random bits: guessing one is hopeless anyway; the limit keeps
link-probing from loading the database), and it needs no table.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 60.0
#: Addresses remembered before the idle ones are forgotten (bounds the memory a flood can take).
MAX_ADDRESSES = 10_000


class Attempts:
    """A sliding one-minute window of attempts per client address; safe between threads."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = max(1, per_minute)
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def blocked(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it may now."""
        with self._lock:
            return self._retry_after(address, self._clock())

    def take(self, address: str) -> int | None:
        """Count an attempt from ``address``: None when allowed, else the seconds until it may
        try again (a refused attempt is not counted)."""
        with self._lock:
            now = self._clock()
            wait = self._retry_after(address, now)
            if wait is not None:
                return wait
            if len(self._seen) >= MAX_ADDRESSES:
                self._forget_idle(now)
            self._seen.setdefault(address, deque()).append(now)
            return None

    def _retry_after(self, address: str, now: float) -> int | None:
        window = self._seen.get(address)
        if window is None:
            return None
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if len(window) < self._limit:
            return None
        return max(1, math.ceil(window[0] + WINDOW - now))

    def _forget_idle(self, now: float) -> None:
        self._seen = {a: w for a, w in self._seen.items() if w and w[-1] > now - WINDOW}
        if len(self._seen) >= MAX_ADDRESSES:  # a flood from everywhere: start over
            self._seen = {}
