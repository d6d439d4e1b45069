"""The audit trail, read from the tables as they are: who created which account
(``accounts.created_by``/``created_at``) and who moved which enrolment (``enrolment_events``),
merged into one list of actions, newest first.

Nothing is written here and no table is added: every action already records its actor.
The caller says which actors are machines (``AuditFilter.exclude_actors``) so the trail lists
only what people did, and which statuses an event moves to name an action
(``AuditFilter.status_actions``, e.g. ``SUPERSEDED`` → ``supersede``). Each row's ``action`` is
one of ``ACTIONS``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import Integer, String, Subquery, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from db.enrolments import STREAM_BATCH, AnySelect
from db.models import Account, Enrolment, EnrolmentEvent

Action = Literal[
    "create_account", "issue", "supersede", "cancel", "test_push", "remove_device", "other"
]
ACTIONS: tuple[str, ...] = get_args(Action)


@dataclass(frozen=True)
class AuditFilter:
    """Which actions to list; empty fields match everything. ``since`` is inclusive,
    ``until`` exclusive; ``actors`` and ``actions`` are exact values."""

    actors: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    exclude_actors: frozenset[str] = frozenset()
    status_actions: tuple[tuple[str, str], ...] = ()
    #: An event that keeps its status and whose detail starts with the prefix is that action.
    detail_actions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuditRow:
    """One action: when, who, what, on which account and enrolment, and the recorded detail."""

    at: datetime
    actor: str
    action: str
    account_id: uuid.UUID
    username: str
    enrolment_id: int | None
    from_status: str | None
    to_status: str | None
    detail: str


def page(session: Session, where: AuditFilter, limit: int, offset: int = 0) -> list[AuditRow]:
    """One page of the trail, newest first."""
    trail = _trail(where)
    query = _ordered(_filtered(_columns(trail), trail, where), trail).limit(limit).offset(offset)
    return [AuditRow(**row._mapping) for row in session.execute(query)]


def count(session: Session, where: AuditFilter) -> int:
    """How many actions match ``where``."""
    trail = _trail(where)
    query = _filtered(select(func.count()).select_from(trail), trail, where)
    return int(session.scalar(query) or 0)


def stream(session: Session, where: AuditFilter) -> Iterator[AuditRow]:
    """Every matching action, newest first, fetched in batches."""
    trail = _trail(where)
    query = _ordered(_filtered(_columns(trail), trail, where), trail)
    for row in session.execute(query.execution_options(yield_per=STREAM_BATCH)):
        yield AuditRow(**row._mapping)


def actors(session: Session, exclude: frozenset[str] = frozenset()) -> list[str]:
    """Every actor that appears in the trail, in name order."""
    trail = _trail(AuditFilter())
    query = select(trail.c.actor).distinct().order_by(trail.c.actor)
    if exclude:
        query = query.where(trail.c.actor.not_in(sorted(exclude)))
    return list(session.scalars(query))


def _trail(where: AuditFilter) -> Subquery:
    created = select(
        Account.created_at.label("at"),
        Account.created_by.label("actor"),
        literal("create_account", String).label("action"),
        Account.id.label("account_id"),
        Account.username.label("username"),
        literal(None, Integer).label("enrolment_id"),
        literal(None, String).label("from_status"),
        literal(None, String).label("to_status"),
        literal("", String).label("detail"),
        literal(0, Integer).label("source"),
        literal(0, Integer).label("row_id"),
    )
    action = case(
        (EnrolmentEvent.from_status.is_(None), "issue"),
        *(
            (
                (EnrolmentEvent.from_status == EnrolmentEvent.to_status)
                & EnrolmentEvent.detail.startswith(prefix, autoescape=True),
                name,
            )
            for prefix, name in where.detail_actions
        ),
        *((EnrolmentEvent.to_status == status, name) for status, name in where.status_actions),
        else_="other",
    )
    moved = (
        select(
            EnrolmentEvent.at,
            EnrolmentEvent.actor,
            action,
            Enrolment.account_id,
            Account.username,
            EnrolmentEvent.enrolment_id,
            EnrolmentEvent.from_status,
            EnrolmentEvent.to_status,
            EnrolmentEvent.detail,
            literal(1, Integer),
            EnrolmentEvent.id,
        )
        .join(Enrolment, Enrolment.id == EnrolmentEvent.enrolment_id)
        .join(Account, Account.id == Enrolment.account_id)
    )
    return union_all(created, moved).subquery("trail")


def _columns(trail: Subquery) -> AnySelect:
    c = trail.c
    return select(
        c.at,
        c.actor,
        c.action,
        c.account_id,
        c.username,
        c.enrolment_id,
        c.from_status,
        c.to_status,
        c.detail,
    )


def _filtered(query: Any, trail: Subquery, where: AuditFilter) -> Any:
    c = trail.c
    if where.exclude_actors:
        query = query.where(c.actor.not_in(sorted(where.exclude_actors)))
    if where.actors:
        query = query.where(c.actor.in_(sorted(where.actors)))
    if where.actions:
        query = query.where(c.action.in_(sorted(where.actions)))
    if where.since is not None:
        query = query.where(c.at >= where.since)
    if where.until is not None:
        query = query.where(c.at < where.until)
    return query


def _ordered(query: AnySelect, trail: Subquery) -> AnySelect:
    c = trail.c
    return query.order_by(c.at.desc(), c.source.desc(), c.row_id.desc())
