"""The factory that wires the console from its settings (one set of services per process).

``build_services(settings)`` starts the embedded simulator when no API is configured, opens and
upgrades the database, builds the API client, the use-cases and the status poller, and starts
the poller. Tests and benchmarks build their own with their own settings, or only the
use-cases with ``build_use_cases``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from dashboard.domain.budget import DEFAULT_LIMITS, Limits
from dashboard.domain.clock import utc_now
from dashboard.errors import ConsoleError
from dashboard.omi.client import OmiClient
from dashboard.poller import Poller
from dashboard.settings import OmiSettings, Settings
from dashboard.usecases.accounts import Accounts
from dashboard.usecases.audit import AuditTrail
from dashboard.usecases.bulk import BulkOnboarding
from dashboard.usecases.campaigns import Campaigns
from dashboard.usecases.database import Database
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.polling import Polling
from dashboard.usecases.reports import Reports
from dashboard.usecases.system import SystemInfo
from dashboard.usecases.table import EnrolmentTable
from dashboard.usecases.watching import Changes, Watching
from simulator.config import SimConfig
from simulator.embedded import RunningSimulator, start

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UseCases:
    """The enrolment use-cases over one database and one API client."""

    accounts: Accounts
    enrolments: Enrolments
    polling: Polling
    watching: Watching
    table: EnrolmentTable


def build_use_cases(
    database: Database,
    omi: OmiClient,
    *,
    clock: Callable[[], datetime] = utc_now,
    limits: Limits = DEFAULT_LIMITS,
) -> UseCases:
    """The use-cases over ``database`` and ``omi``, polling within ``limits``."""
    sessions = database.sessions
    enrolments = Enrolments(sessions, omi, clock=clock)
    changes = Changes()
    return UseCases(
        accounts=Accounts(sessions, clock=clock),
        enrolments=enrolments,
        polling=Polling(sessions, omi, enrolments, clock=clock, limits=limits, changes=changes),
        watching=Watching(sessions, enrolments, changes, limits, clock=clock),
        table=EnrolmentTable(sessions),
    )


@dataclass
class Services:
    """Everything a console process shares between its sessions."""

    settings: Settings
    omi_settings: OmiSettings
    database: Database
    omi: OmiClient
    accounts: Accounts
    enrolments: Enrolments
    polling: Polling
    watching: Watching
    table: EnrolmentTable
    reports: Reports
    audit: AuditTrail
    onboarding: BulkOnboarding
    system: SystemInfo
    poller: Poller
    simulator: RunningSimulator | None

    @property
    def demo_mode(self) -> bool:
        return self.simulator is not None

    def close(self) -> None:
        """Stop the poller and the simulator, close the client and the database."""
        self.poller.stop()
        self.omi.close()
        self.database.close()
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
    try:
        database = Database.open(settings.database_url)
    except ConsoleError:  # a sentence on the page, and nothing left running
        if simulator is not None:
            simulator.stop()
        raise
    omi = OmiClient(omi_settings)
    sessions = database.sessions
    uc = build_use_cases(database, omi, limits=settings.poll_limits)
    poller = Poller(uc.polling, interval=settings.poll_interval)
    poller.start()
    return Services(
        settings=settings,
        omi_settings=omi_settings,
        database=database,
        omi=omi,
        accounts=uc.accounts,
        enrolments=uc.enrolments,
        polling=uc.polling,
        watching=uc.watching,
        table=uc.table,
        reports=Reports(sessions),
        audit=AuditTrail(sessions),
        onboarding=BulkOnboarding(uc.accounts, uc.enrolments, Campaigns(sessions)),
        system=SystemInfo(settings, omi_settings, omi, poller, database, uc.polling.budget),
        poller=poller,
        simulator=simulator,
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
