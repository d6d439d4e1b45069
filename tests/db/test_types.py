"""Timestamps come back aware and in UTC on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from db.models import Account
from tests.support import factories


def test_aware_values_round_trip_as_utc(sessions: sessionmaker[Session]) -> None:
    plus_two = timezone(timedelta(hours=2))
    moment = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=plus_two)
    with sessions.begin() as session:
        session.add(factories.account("tz", at=moment))
    with sessions() as session:
        stored = session.scalars(select(Account.created_at)).one()
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)
    assert stored.hour == 12
    assert stored.microsecond == 123456


def test_comparisons_use_utc(sessions: sessionmaker[Session]) -> None:
    moment = datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))  # 17:00 UTC
    with sessions.begin() as session:
        session.add(factories.account("cmp", at=moment))
    earlier = datetime(2025, 6, 1, 16, 59, tzinfo=UTC)
    with sessions() as session:
        found = session.scalars(select(Account.username).where(Account.created_at > earlier))
        assert found.all() == ["cmp"]


def test_naive_values_are_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(factories.account("naive", at=datetime(2025, 1, 1)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()
