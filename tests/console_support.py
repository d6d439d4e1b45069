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

from dashboard.domain.budget import DEFAULT_LIMITS, Limits
from dashboard.domain.clock import utc_now
from dashboard.omi.client import OmiClient
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
    clock: Callable[[], datetime] = utc_now,
    limits: Limits = DEFAULT_LIMITS,
) -> Console:
    """The use-cases over ``engine`` and ``omi``, polling within ``limits``."""
    database = Database(engine)
    uc = build_use_cases(database, omi, clock=clock, limits=limits)
    return Console(
        uc.accounts, uc.enrolments, uc.polling, uc.watching, uc.table, engine, database.sessions
    )


@contextmanager
def open_console(
    url: str,
    sim: RunningSimulator,
    *,
    clock: Callable[[], datetime] = utc_now,
    limits: Limits = DEFAULT_LIMITS,
    **client: object,
) -> Iterator[Console]:
    """The use-cases on a migrated database at ``url`` talking to ``sim``; closed afterwards."""
    engine = create_engine_for(url)
    upgrade(engine)
    omi = OmiClient(omi_settings(sim, **client))
    try:
        yield console_on(engine, omi, clock=clock, limits=limits)
    finally:
        omi.close()
        engine.dispose()


class Phone:
    """The person's phone: opens the device page (scan) and confirms or declines."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def device_url(self, user_id: uuid.UUID) -> str:
        response = self.api.http.get(f"/_sim/enrolments/{user_id}")
        assert response.status_code == 200, response.text
        return str(response.json()["deviceUrl"])

    def scan(self, user_id: uuid.UUID) -> None:
        response = self.api.http.get(self.device_url(user_id))
        assert response.status_code == 200, response.text

    def finish(self, user_id: uuid.UUID, action: str, device_name: str = "Test phone") -> None:
        url = self.device_url(user_id)
        response = self.api.http.post(url, data={"action": action, "device_name": device_name})
        assert response.status_code == 200, response.text


class Clock:
    """A settable clock for the use-cases (the poller keeps real time)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now
