"""A phone that enrols in its QR code's last moment ends ENROLLED, not EXPIRED.

Found by the soak test: the poller had stopped asking about an enrolment once its code expired
and expired it on the local clock, although the service had recorded the enrolment just before.
The poller now keeps asking for a short grace after the expiry.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.domain.clock import utc_now
from dashboard.domain.statuses import Status
from dashboard.poller import Poller
from tests.support.console import open_console
from tests.support.phone import Phone
from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until

QR_TTL = 1.0


def test_an_enrolment_confirmed_before_expiry_but_seen_after_it_is_enrolled(
    tmp_path: Path, start_simulator: StartSimulator
) -> None:
    sim = start_simulator(qr_ttl=QR_TTL)
    with open_console(f"sqlite:///{tmp_path / 'c.db'}", sim) as console, Simulator(sim) as sims:
        late = console.accounts.create("late", actor="test")
        ignored = console.accounts.create("ignored", actor="test")
        confirmed = console.enrolments.issue(late.id, actor="test")
        forgotten = console.enrolments.issue(ignored.id, actor="test")
        Phone(sims, console).finish(late.id, "confirm")  # the poller has not looked yet
        wait_until(lambda: utc_now() > forgotten.expires_at, what="both QR codes expire")

        poller = Poller(console.polling, interval=0.2)
        poller.run_once()

        assert console.enrolments.get(confirmed.id).status is Status.ENROLLED
        # The service says the other one expired: no need to wait out the grace.
        assert console.enrolments.get(forgotten.id).status is Status.EXPIRED
        assert console.polling.count_active() == 0
