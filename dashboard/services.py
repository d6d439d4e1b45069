"""The factory that wires the console from its settings (one set of services per process).

``build_services(settings)`` starts the embedded simulator when no API is configured, opens and
upgrades the database, builds the API client, the use-cases and the status poller, and starts
the poller. Tests and benchmarks build their own with their own settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import SecretStr

from dashboard.errors import ConsoleError
from dashboard.omi.client import OmiClient
from dashboard.poller import Poller
from dashboard.settings import OmiSettings, Settings
from dashboard.usecases.audit import AuditTrail
from dashboard.usecases.bulk import BulkOnboarding
from dashboard.usecases.campaigns import Campaigns
from dashboard.usecases.console import Console
from dashboard.usecases.reports import Reports
from dashboard.usecases.system import SystemInfo
from dashboard.usecases.transactions import translated
from db.engine import create_engine_for, session_factory, upgrade
from simulator.config import SimConfig
from simulator.embedded import RunningSimulator, start

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a console process shares between its sessions."""

    settings: Settings
    omi_settings: OmiSettings
    console: Console
    omi: OmiClient
    poller: Poller
    simulator: RunningSimulator | None
    reports: Reports
    audit: AuditTrail
    onboarding: BulkOnboarding
    system: SystemInfo

    @property
    def demo_mode(self) -> bool:
        return self.simulator is not None

    def close(self) -> None:
        """Stop the poller and the simulator, close the client and the database."""
        self.poller.stop()
        self.omi.close()
        self.console.engine.dispose()
        if self.simulator is not None:
            self.simulator.stop()


def build_services(settings: Settings) -> Services:
    """Wire and start the console's services for ``settings``."""
    simulator = None
    omi_settings = settings.omi
    if omi_settings is None:
        simulator = start_embedded_simulator(settings)
        omi_settings = OmiSettings(
            base_url=simulator.base_url,
            client_id=simulator.client_id,
            client_secret=SecretStr(simulator.client_secret),
        )
        log.info("demo mode: embedded simulator at %s", simulator.base_url)
    engine = create_engine_for(settings.database_url)
    try:
        with translated():
            upgrade(engine)
    except ConsoleError:  # a sentence on the page, and nothing left running
        engine.dispose()
        if simulator is not None:
            simulator.stop()
        raise
    omi = OmiClient(omi_settings)
    sessions = session_factory(engine)
    console = Console(sessions, omi)
    poller = Poller(console, interval=settings.poll_interval)
    poller.start()
    return Services(
        settings,
        omi_settings,
        console,
        omi,
        poller,
        simulator,
        Reports(sessions),
        AuditTrail(sessions),
        onboarding=BulkOnboarding(console, Campaigns(sessions)),
        system=SystemInfo(settings, omi_settings, omi, poller, engine),
    )


def start_embedded_simulator(settings: Settings) -> RunningSimulator:
    """Start the simulator in a background thread with the console's ``SIM_*`` settings."""
    sim = settings.simulator
    return start(
        SimConfig(
            host=sim.host,
            port=sim.port,
            public_url=sim.public_url,
            client_id=sim.client_id,
            client_secret=sim.client_secret.get_secret_value(),
            qr_ttl=float(sim.qr_ttl),
            token_ttl=float(sim.token_ttl),
        )
    )
