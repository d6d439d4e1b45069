"""What open tabs cost: API status and token requests, and the server's memory per session."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import BrowserContext, Page

from bench.browser import open_tab
from bench.harness import PENDING_TEXT, STATUS_KEY, TOKEN_KEY, Phone

SETTLE = 5.0


@dataclass
class Window:
    """Requests the simulator counted over a stretch of time, and the CPU the server used."""

    seconds: float
    status_requests: int
    token_requests: int
    cpu_seconds: float

    @property
    def cpu_percent(self) -> float:
        """The server's CPU use over the window, in percent of one core."""
        return 100 * self.cpu_seconds / self.seconds

    @property
    def status_rate(self) -> float:
        return self.status_requests / self.seconds


@dataclass
class Watch:
    """Server RSS samples (seconds since the start, MiB) while tabs stay open."""

    samples: list[tuple[float, float]] = field(default_factory=list)

    @property
    def growth(self) -> float:
        """Last minus first sample, MiB."""
        return self.samples[-1][1] - self.samples[0][1] if self.samples else 0.0

    @property
    def slope_per_minute(self) -> float:
        """Least-squares slope of RSS over time, MiB per minute."""
        if len(self.samples) < 2:
            return 0.0
        xs = [t for t, _ in self.samples]
        ys = [m for _, m in self.samples]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def count(phone: Phone, seconds: float, cpu: Callable[[], float]) -> Window:
    """Count status and token requests, and the server's CPU time (``cpu``), over ``seconds``."""
    before, cpu_before = phone.stats(), cpu()
    started = time.monotonic()
    time.sleep(seconds)
    after, cpu_after = phone.stats(), cpu()
    took = time.monotonic() - started
    return Window(
        took,
        after.get(STATUS_KEY, 0) - before.get(STATUS_KEY, 0),
        after.get(TOKEN_KEY, 0) - before.get(TOKEN_KEY, 0),
        cpu_after - cpu_before,
    )


def open_tabs(
    context: BrowserContext, urls: list[str], already: list[Page] | None = None
) -> list[Page]:
    """Open a tab on each URL (waiting until each shows its pending enrolment), then settle."""
    pages = list(already or [])
    pages += [open_tab(context, url, PENDING_TEXT) for url in urls]
    time.sleep(SETTLE)
    return pages


def rss_settled(rss: Callable[[], float], samples: int = 5, every: float = 1.0) -> float:
    """The median of a few RSS readings a second apart, MiB."""
    readings = []
    for _ in range(samples):
        readings.append(rss())
        time.sleep(every)
    return sorted(readings)[len(readings) // 2]


def watch(rss: Callable[[], float], minutes: float, every: float = 10.0) -> Watch:
    """Sample RSS every ``every`` seconds for ``minutes``."""
    result = Watch()
    started = time.monotonic()
    end = started + minutes * 60
    while True:
        now = time.monotonic()
        result.samples.append((now - started, rss()))
        if now >= end:
            return result
        time.sleep(min(every, max(0.0, end - now)))
