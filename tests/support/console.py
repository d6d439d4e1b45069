"""The use-cases on a real database and simulator (a ``Console``), a settable clock, and the
database invariants no fault may break."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.budget import DEFAULT_LIMITS, Limits
from dashboard.domain.clock import utc_now
from dashboard.domain.records import EnrolmentFilter, EnrolmentSort, EnrolmentView
from dashboard.domain.statuses import ACTIVE, TERMINAL, Status
from dashboard.omi.client import OmiClient
from dashboard.omi.scim import SCIM_SCOPES, ScimClient
from dashboard.services import UseCases, build_use_cases
from dashboard.settings import OmiSettings
from dashboard.usecases.database import Database
from db.engine import create_engine_for, upgrade
from simulator.embedded import RunningSimulator


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
    limits: Limits = DEFAULT_LIMITS,
) -> Console:
    """The use-cases over ``engine``, ``omi`` and the identity ``store`` (None: local only),
    polling within ``limits``."""
    database = Database(engine)
    uc = build_use_cases(database, omi, store=store, clock=clock, limits=limits)
    # By field name, so a use-case added to ``UseCases`` needs no change here.
    shared = {f.name: getattr(uc, f.name) for f in dataclasses.fields(uc)}
    return Console(**shared, engine=engine, sessions=database.sessions)


def sim_store(sim: RunningSimulator, omi: OmiClient) -> ScimClient:
    """The simulator's SCIM 1.1 store, on ``omi``'s token (made with the SCIM scopes)."""
    return ScimClient(f"{sim.base_url}/scim/v1", omi.scim_tokens(), timeout=5.0, backoff=0.05)


@contextmanager
def open_console(
    url: str,
    sim: RunningSimulator,
    *,
    clock: Callable[[], datetime] = utc_now,
    limits: Limits = DEFAULT_LIMITS,
    scim: bool = True,
    **client: object,
) -> Iterator[Console]:
    """The use-cases on a migrated database at ``url`` talking to ``sim``, accounts made on its
    SCIM store as on a tenant (``scim=False``: local accounts, for a simulator that accepts any
    user); closed afterwards."""
    engine = create_engine_for(url)
    upgrade(engine)
    omi = OmiClient(omi_settings(sim, **client), extra_scopes=SCIM_SCOPES if scim else ())
    store = sim_store(sim, omi) if scim else None
    try:
        yield console_on(engine, omi, store=store, clock=clock, limits=limits)
    finally:
        if store is not None:
            store.close()
        omi.close()
        engine.dispose()


class Clock:
    """A settable clock for the use-cases (the poller keeps real time)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utc_now()

    def __call__(self) -> datetime:
        return self.now


def all_enrolments(console: Console) -> list[EnrolmentView]:
    """Every enrolment in the database, oldest first."""
    views, total = console.table.page(EnrolmentFilter(), EnrolmentSort("id", False), 1000)
    assert len(views) == total
    return views


def assert_consistent(console: Console) -> list[EnrolmentView]:
    """The database invariants no fault may break; returns every enrolment.

    At most one active enrolment per account; every enrolment starts with one issue event
    and its events chain from state to state ending at its status; finished ones have a
    finish time and no QR image; no transition is recorded twice.
    """
    views = all_enrolments(console)
    active: dict[uuid.UUID, list[int]] = defaultdict(list)
    for view in views:
        if view.status in ACTIVE:
            active[view.account_id].append(view.id)
            assert view.finished_at is None, view
        else:
            assert view.status in TERMINAL
            assert view.finished_at is not None, view
            assert console.enrolments.qr_png(view.id) is None
        events = console.enrolments.events(view.id)
        assert events, f"enrolment #{view.id} has no events"
        assert (events[0].from_status, events[0].to_status) == (None, Status.PENDING.value)
        moves = [(e.from_status, e.to_status) for e in events if e.from_status != e.to_status]
        assert len(moves) == len(set(moves)), f"#{view.id} recorded a move twice: {moves}"
        current = None
        for frm, to in moves:
            assert frm == current, f"#{view.id} events do not chain: {moves}"
            current = to
        assert current == view.status.value, f"#{view.id} is {view.status} but events say {moves}"
    doubled = {k: v for k, v in active.items() if len(v) > 1}
    assert not doubled, f"accounts with more than one active enrolment: {doubled}"
    return views
