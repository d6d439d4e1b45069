"""Scan-to-screen latency: from the phone's Confirm to the operator's page saying Enrolled."""

from __future__ import annotations

import random
import time
import uuid
from typing import Protocol

from playwright.sync_api import BrowserContext

from bench.browser import goto, page_clock_offset, seen_at, wait_text, watch_text
from bench.harness import ENROLLED_TEXT, PENDING_TEXT, SCANNED_TEXT, Phone

#: The confirm falls this long (uniformly random) after the page showed Scanned, so every
#: phase of the poller's and the page's timers is sampled.
PHASE_SPREAD = 2.0


class Target(Protocol):
    """A page that watches one enrolment: the console's Enrol page or the naive one."""

    phone: Phone

    def enrol_url(self, ident: uuid.UUID, /) -> str: ...


def scan_to_screen(
    target: Target,
    context: BrowserContext,
    pending: list[uuid.UUID],
    rng: random.Random,
) -> list[float]:
    """For each pending enrolment (by user id): open its page, scan, wait a random moment,
    confirm, and time until the page shows Enrolled. Returns the latencies in seconds.

    Both ends are read on this process's monotonic clock: the confirm directly (just before
    the POST is sent), the page's moment through its ``performance.now()`` and a measured
    offset, so nothing depends on polling the page from here.
    """
    page = context.new_page()
    latencies = []
    try:
        for ident in pending:
            goto(page, target.enrol_url(ident), PENDING_TEXT)
            device = target.phone.device_url(ident)
            target.phone.scan(device)
            wait_text(page, SCANNED_TEXT)
            watch_text(page, ENROLLED_TEXT)
            time.sleep(rng.uniform(0.0, PHASE_SPREAD))
            offset = page_clock_offset(page)
            confirmed = time.monotonic()
            target.phone.confirm(device)
            latencies.append(seen_at(page, offset) - confirmed)
    finally:
        page.close()
    return latencies
