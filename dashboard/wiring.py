"""The parts the composition root (``dashboard.services``) starts from settings: the outbox and
its demo mail catcher, the identity-store client, the embedded simulator."""

from __future__ import annotations

import logging
from pathlib import Path

from dashboard.mail.catcher import MailCatcher
from dashboard.mail.smtp import SmtpSender
from dashboard.omi.client import OmiClient
from dashboard.omi.scim import ScimClient
from dashboard.omi.token import BearerTokens
from dashboard.public_page.server import RunningPublicPage
from dashboard.settings import ROOT, OmiSettings, ScimSettings, Settings
from dashboard.usecases.database import Database
from dashboard.usecases.outbox import Outbox
from simulator.config import SimConfig
from simulator.embedded import RunningSimulator, start

log = logging.getLogger(__name__)


def public_url_for(settings: Settings, page: RunningPublicPage | None) -> str:
    """Where people reach the public enrolment page: ``PUBLIC_URL``, else the page's own
    address (or where another process on this host serves it)."""
    public = settings.public
    if public.url is not None:
        return public.url
    if page is not None:
        return page.base_url
    return f"http://{public.host}:{public.port}"


def build_outbox(
    settings: Settings, database: Database, public_url: str, *, demo: bool
) -> tuple[Outbox, MailCatcher | None]:
    """The outbox, sending through ``SMTP_*``; in demo mode without ``SMTP_HOST`` through the
    built-in mail catcher (started here, its Maildir beside the SQLite file); with neither it
    keeps every mail QUEUED and says what to set."""
    smtp, url = settings.smtp, public_url
    if smtp.host:
        return Outbox(database.sessions, SmtpSender(smtp), public_url=url), None
    if not demo:
        log.warning("SMTP_HOST is not set: invitation mails wait in the outbox")
        return Outbox(database.sessions, None, public_url=url), None
    try:
        catcher = MailCatcher(maildir_for(settings.database_url)).start()
    except (OSError, RuntimeError) as exc:  # the console runs on; the mails wait
        log.warning("demo mode: the mail catcher could not start (%s)", type(exc).__name__)
        why = f"The demo mail catcher could not start ({exc}); the mails wait in the outbox."
        return Outbox(database.sessions, None, public_url=url, unavailable=why), None
    sender = SmtpSender(catcher.smtp_settings(smtp.from_address))
    log.info("demo mode: mails go to the built-in catcher at %s", sender.where)
    return Outbox(database.sessions, sender, public_url=url, inbox=catcher.caught), catcher


def maildir_for(database_url: str) -> Path:
    """The demo catcher's Maildir: ``mail/`` beside a SQLite file, else under ``data/``."""
    path = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite:///") else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        return Path(path).expanduser().resolve().parent / "mail"
    return ROOT / "data" / "mail"


def identity_store(
    scim: ScimSettings, omi_settings: OmiSettings, omi: OmiClient
) -> tuple[ScimClient | None, BearerTokens | None]:
    """The identity-store client for ``scim`` and its token source: the Mobile Identity
    client's token, or one of its own with ``SCIM_CLIENT_ID``; (None, None) when ``off``."""
    if not scim.enabled:
        return None, None
    if scim.own_client:
        assert scim.client_id is not None
        assert scim.client_secret is not None
        tokens = BearerTokens.of_client(
            omi_settings.model_copy(
                update={
                    "client_id": scim.client_id,
                    "client_secret": scim.client_secret,
                    "scopes": scim.scopes,
                }
            )
        )
    else:
        tokens = omi.scim_tokens()
    store = ScimClient(
        scim.base_url(omi_settings.base_url),
        tokens,
        version=scim.version,
        timeout=omi_settings.timeout,
        retries=omi_settings.max_retries,
        backoff=omi_settings.backoff,
        client_setting="SCIM_CLIENT_ID" if scim.own_client else "OMI_CLIENT_ID",
    )
    return store, tokens


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
            push_ttl=float(sim.push_ttl),
            # Users are the simulator's own SCIM users unless SCIM is off or elsewhere.
            accept_any_user=sim.accept_any_user
            or not settings.scim.enabled
            or settings.scim.url is not None,
        )
    )
