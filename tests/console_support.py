"""Helpers for the use-case and poller tests: the use-cases on a real database and simulator."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.omi.client import OmiClient
from dashboard.omi.scim import SCIM_SCOPES, ScimClient
from dashboard.services import UseCases, build_use_cases
from dashboard.settings import OmiSettings
from dashboard.usecases.database import Database
from db.engine import create_engine_for, upgrade
from simulator.embedded import RunningSimulator
from tests.simulator.support import Api


def omi_settings(sim: RunningSimulator, **overrides: object) -> OmiSettings:
    """Client settings for ``sim``, quick to give up in tests."""
    settings = OmiSettings(
        base_url=sim.base_url,
        client_id=sim.client_id,
        client_secret=SecretStr(sim.client_secret),
        timeout=5.0,
        max_retries=1,
        backoff=0.05,
    )
    for name, value in overrides.items():
        object.__setattr__(settings, name, value)
    return settings


@dataclass(frozen=True)
class Console(UseCases):
    """The use-cases on one test database, with its engine and sessions (to build more)."""

    engine: Engine
    sessions: sessionmaker[Session]


def console_on(
    engine: Engine,
    omi: OmiClient,
    *,
    store: ScimClient | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Console:
    """The use-cases over ``engine``, ``omi`` and the identity ``store`` (None: local only)."""
    database = Database(engine)
    uc = build_use_cases(database, omi, store=store, clock=clock)
    return Console(uc.accounts, uc.enrolments, uc.polling, uc.table, engine, database.sessions)


def sim_store(sim: RunningSimulator, omi: OmiClient) -> ScimClient:
    """The simulator's SCIM 1.1 store, on ``omi``'s token (made with the SCIM scopes)."""
    return ScimClient(f"{sim.base_url}/scim/v1", omi.scim_tokens(), timeout=5.0, backoff=0.05)


@contextmanager
def open_console(
    url: str,
    sim: RunningSimulator,
    *,
    clock: Callable[[], datetime] = utc_now,
    scim: bool = True,
    **client: object,
) -> Iterator[Console]:
    """The use-cases on a migrated database at ``url`` talking to ``sim``, accounts made on its
    SCIM store (``scim=False``: local accounts, for a simulator that accepts any user); closed
    afterwards."""
    engine = create_engine_for(url)
    upgrade(engine)
    omi = OmiClient(omi_settings(sim, **client), extra_scopes=SCIM_SCOPES if scim else ())
    store = sim_store(sim, omi) if scim else None
    try:
        yield console_on(engine, omi, store=store, clock=clock)
    finally:
        if store is not None:
            store.close()
        omi.close()
        engine.dispose()


class Phone:
    """The person's phone: opens the device page (scan) and confirms or declines.

    A user is named by the id the API knows (``AccountView.reference``), or by a local account
    id, which ``console`` (when given) turns into that reference.
    """

    def __init__(self, api: Api, console: Console | None = None) -> None:
        self.api = api
        self.console = console

    def reference(self, user_id: uuid.UUID | str) -> str:
        """The id the simulator knows the user by."""
        if isinstance(user_id, uuid.UUID) and self.console is not None:
            return self.console.accounts.get(user_id).reference
        return str(user_id)

    def device_url(self, user_id: uuid.UUID | str) -> str:
        response = self.api.http.get(f"/_sim/enrolments/{self.reference(user_id)}")
        assert response.status_code == 200, response.text
        return str(response.json()["deviceUrl"])

    def scan(self, user_id: uuid.UUID | str) -> None:
        response = self.api.http.get(self.device_url(user_id))
        assert response.status_code == 200, response.text

    def finish(
        self, user_id: uuid.UUID | str, action: str, device_name: str = "Test phone"
    ) -> None:
        url = self.device_url(user_id)
        response = self.api.http.post(url, data={"action": action, "device_name": device_name})
        assert response.status_code == 200, response.text


class Clock:
    """A settable clock for the use-cases (the poller keeps real time)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now
