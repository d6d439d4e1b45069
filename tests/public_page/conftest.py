"""The public page over real HTTP: uvicorn on a free loopback port in a thread, the use-cases
on a real SQLite file and the real simulator, a plain httpx2 client (no project client code)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import update

from dashboard.domain.clock import utc_now
from dashboard.public_page.app import create_app
from dashboard.public_page.server import RunningPublicPage, start
from dashboard.usecases.invitation_links import InvitationLinks
from db.models import Account, Invitation
from simulator.embedded import RunningSimulator
from tests.support.console import Console, open_console
from tests.support.factories import invite

ATTEMPTS = 1000
DAY = timedelta(days=1)


@dataclass
class PublicPage:
    """A running public page, its use-cases' console and a client of it."""

    console: Console
    links: InvitationLinks
    running: RunningPublicPage
    http: httpx2.Client

    def invite(
        self,
        name: str = "ann",
        *,
        shown: str | None = None,
        language: str = "en",
        days: float = 7.0,
        ago: float = 0.0,
    ) -> tuple[int, str]:
        """An account on the tenant and an invitation of it made ``ago`` days ago:
        (invitation id, token)."""
        made = self.console.accounts.create(name, actor="op", display_name=shown)
        created = utc_now() - ago * DAY
        with self.console.sessions.begin() as session:
            return invite(session, made.id, created=created, days=days, language=language)

    def rename(self, invitation_id: int, shown: str) -> None:
        """Give the invitation's account a display name past the usual checks."""
        with self.console.sessions.begin() as session:
            owner = session.get_one(Invitation, invitation_id).account_id
            session.execute(update(Account).where(Account.id == owner).values(display_name=shown))

    def end(self, invitation_id: int, outcome: str, *, ago: timedelta = timedelta(0)) -> None:
        """End the invitation as ``outcome`` (REVOKED, SUPERSEDED, ENROLLED), ``ago``."""
        with self.console.sessions.begin() as session:
            session.execute(
                update(Invitation)
                .where(Invitation.id == invitation_id)
                .values(outcome=outcome, ended_at=utc_now() - ago, ended_by="op")
            )

    def account_of(self, invitation_id: int) -> uuid.UUID:
        with self.console.sessions() as session:
            return session.get_one(Invitation, invitation_id).account_id


def serve(console: Console, attempts: int = ATTEMPTS) -> tuple[InvitationLinks, RunningPublicPage]:
    """The public page over ``console``'s use-cases on a free loopback port."""
    links = InvitationLinks(console.sessions, console.enrolments, console.watching)
    return links, start(create_app(links, attempts_per_minute=attempts), "127.0.0.1", 0)


@pytest.fixture
def public_console(sqlite_url: str, simulator: RunningSimulator) -> Iterator[Console]:
    with open_console(sqlite_url, simulator) as console:
        yield console


@pytest.fixture
def page(public_console: Console) -> Iterator[PublicPage]:
    """The public page on a free port; stopped afterwards."""
    links, running = serve(public_console)
    with httpx2.Client(base_url=running.base_url, trust_env=False, timeout=30.0) as http:
        yield PublicPage(public_console, links, running, http)
    running.stop()
