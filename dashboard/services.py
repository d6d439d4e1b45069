"""The factory that wires the console from its settings (one set of services per process).

``build_services(settings)`` starts the embedded simulator when no API is configured, opens and
upgrades the database, builds the API client, the identity-store client (``SCIM_*``), the
use-cases and the status poller, and starts the poller.

Demo mode with zero configuration is SCIM 1.1 on the embedded simulator, which refuses to enrol
a user its store does not hold, as a tenant would. Its store lives in memory, so on start-up the
console tells it its accounts again (``RunningSimulator.register_users``). With
``SCIM_VERSION=off`` or a ``SCIM_URL`` elsewhere, the embedded simulator accepts any user.

Tests and benchmarks build their own with their own settings, or only the use-cases with
``build_use_cases``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from dashboard.domain.budget import DEFAULT_LIMITS, Limits
from dashboard.domain.clock import utc_now
from dashboard.errors import ConfigError, ConsoleError
from dashboard.mail.catcher import MailCatcher
from dashboard.mailer import Mailer
from dashboard.omi.client import OmiClient
from dashboard.omi.scim import ScimClient
from dashboard.omi.token import BearerTokens
from dashboard.poller import Poller
from dashboard.public_page.server import RunningPublicPage, serve_public_page
from dashboard.settings import InviteSettings, OmiSettings, Settings
from dashboard.usecases.accounts import Accounts
from dashboard.usecases.audit import AuditTrail
from dashboard.usecases.bulk import BulkOnboarding
from dashboard.usecases.campaigns import Campaigns
from dashboard.usecases.database import Database
from dashboard.usecases.demo_history import DemoHistory, rules_from
from dashboard.usecases.devices import Devices
from dashboard.usecases.enrolments import Enrolments
from dashboard.usecases.invitation_links import InvitationLinks
from dashboard.usecases.invitations import Invitations
from dashboard.usecases.outbox import Outbox
from dashboard.usecases.polling import Polling
from dashboard.usecases.pushes import Pushes
from dashboard.usecases.queue import Queue
from dashboard.usecases.reports import Reports
from dashboard.usecases.system import SystemInfo
from dashboard.usecases.table import EnrolmentTable
from dashboard.usecases.watching import Changes, Watching
from dashboard.wiring import (
    build_outbox,
    identity_store,
    public_url_for,
    start_embedded_simulator,
)
from simulator.embedded import RunningSimulator
from simulator.push import REMOVE_PATH as SIM_DEVICE_REMOVE_PATH

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UseCases:
    """The enrolment use-cases over one database and one API client."""

    accounts: Accounts
    enrolments: Enrolments
    polling: Polling
    watching: Watching
    table: EnrolmentTable
    queue: Queue
    invitations: Invitations
    pushes: Pushes
    devices: Devices


def build_use_cases(
    database: Database,
    omi: OmiClient,
    *,
    store: ScimClient | None = None,
    clock: Callable[[], datetime] = utc_now,
    limits: Limits = DEFAULT_LIMITS,
    invite: InviteSettings | None = None,
) -> UseCases:
    """The use-cases over ``database``, ``omi`` and the identity ``store`` (None: local-only
    accounts), polling within ``limits``, inviting by ``invite`` (lifetime, language)."""
    sessions = database.sessions
    enrolments = Enrolments(sessions, omi, clock=clock)
    invite = invite or InviteSettings()
    invitations = Invitations(
        sessions, lifetime=invite.lifetime, language=invite.language, clock=clock
    )
    changes = Changes()
    # The budget counts pending pushes again once one is sent or watched in this process.
    pushes = Pushes(sessions, omi, clock=clock, sent=lambda: polling.budget.forget_push_counts())
    polling = Polling(
        sessions, omi, enrolments, clock=clock, limits=limits, changes=changes, pushes=pushes
    )
    return UseCases(
        accounts=Accounts(sessions, store=store, clock=clock),
        enrolments=enrolments,
        polling=polling,
        watching=Watching(sessions, enrolments, changes, limits, clock=clock),
        table=EnrolmentTable(sessions),
        queue=Queue(sessions, enrolments, invitations, clock=clock),
        invitations=invitations,
        pushes=pushes,
        devices=Devices(sessions, omi, pushes, polling.budget, clock=clock),
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
    queue: Queue
    invitations: Invitations
    reports: Reports
    audit: AuditTrail
    onboarding: BulkOnboarding
    system: SystemInfo
    poller: Poller
    outbox: Outbox
    mailer: Mailer
    simulator: RunningSimulator | None
    invitation_links: InvitationLinks
    pushes: Pushes
    devices: Devices
    store: ScimClient | None = None
    store_tokens: BearerTokens | None = None
    catcher: MailCatcher | None = None
    public_page: RunningPublicPage | None = None
    #: Where people reach the public enrolment page (the links in the mails).
    public_url: str = ""

    @property
    def demo_mode(self) -> bool:
        return self.simulator is not None

    def demo_history(self) -> DemoHistory:
        """What fills an empty demo console with a past (refused on a tenant): today's codes
        issued through ``enrolments``, the new accounts told to the embedded simulator."""
        return DemoHistory(
            self.database.sessions,
            demo_mode=self.demo_mode,
            rules=rules_from(self.settings),
            issuer=self.enrolments if self.demo_mode else None,
            register=None if self.simulator is None else self.simulator.register_users,
        )

    def close(self) -> None:
        """Stop the public page, the poller, the mailer and the simulator, close the clients
        and the database."""
        if self.public_page is not None:
            self.public_page.stop()
        self.poller.stop()
        self.mailer.stop()
        if self.catcher is not None:
            self.catcher.stop()
        if self.store is not None:
            self.store.close()
        if self.store_tokens is not None:
            self.store_tokens.close()
        self.omi.close()
        self.database.close()
        if self.simulator is not None:
            self.simulator.stop()


def build_services(settings: Settings) -> Services:
    """Wire and start the console's services for ``settings``."""
    scim = settings.scim
    simulator = None
    omi_settings = settings.omi
    if omi_settings is None:
        if scim.version == "2.0" and scim.url is None:
            raise ConfigError(
                "SCIM_VERSION=2.0 needs SCIM_URL in demo mode: the embedded simulator serves "
                "SCIM 1.1 only (leave SCIM_VERSION unset, or set it to off)."
            )
        simulator = start_embedded_simulator(settings)
        omi_settings = OmiSettings(
            base_url=simulator.base_url,
            client_id=simulator.client_id,
            client_secret=SecretStr(simulator.client_secret),
            device_remove_path=SIM_DEVICE_REMOVE_PATH,  # the simulator's own removal route
        )
        log.info("demo mode: embedded simulator at %s", simulator.base_url)
    try:
        database = Database.open(settings.database_url)
    except ConsoleError:  # a sentence on the page, and nothing left running
        if simulator is not None:
            simulator.stop()
        raise
    shared = scim.scopes if scim.enabled and not scim.own_client else ()
    omi = OmiClient(omi_settings, extra_scopes=shared)
    store, store_tokens = identity_store(scim, omi_settings, omi)
    sessions = database.sessions
    uc = build_use_cases(
        database, omi, store=store, limits=settings.poll_limits, invite=settings.invite
    )
    if simulator is not None and store is not None and scim.url is None:
        known = simulator.register_users(uc.accounts.references())
        log.info("demo mode: %d accounts made known to the simulator again", known)
    poller = Poller(uc.polling, interval=settings.poll_interval)
    poller.start()
    links = InvitationLinks(
        sessions, uc.enrolments, uc.watching, reminders=settings.invite.reminders
    )
    public_page = serve_public_page(settings, links)
    public_url = public_url_for(settings, public_page)
    outbox, catcher = build_outbox(settings, database, public_url, demo=simulator is not None)
    mailer = Mailer([links.settle, links.remind_due, outbox.send_due])
    mailer.start()
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
        queue=uc.queue,
        invitations=uc.invitations,
        reports=Reports(sessions),
        audit=AuditTrail(sessions),
        onboarding=BulkOnboarding(uc.accounts, uc.enrolments, Campaigns(sessions)),
        system=SystemInfo(
            settings,
            omi_settings,
            omi,
            poller,
            database,
            uc.polling.budget,
            store=store,
            store_tokens=store_tokens,
        ),
        poller=poller,
        outbox=outbox,
        mailer=mailer,
        simulator=simulator,
        store=store,
        store_tokens=store_tokens,
        catcher=catcher,
        invitation_links=links,
        pushes=uc.pushes,
        devices=uc.devices,
        public_page=public_page,
        public_url=public_url,
    )
