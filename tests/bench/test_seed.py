"""The benchmarks' seeding stays importable and correct (the benchmarks themselves are not
tests: they run with ``make bench``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.seed import STATUS_MIX, main, seed
from db.engine import create_engine_for
from db.models import ACTIVE_STATUSES, Account, Enrolment


def test_seeding_adds_the_rows_asked_for(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    assert seed(url, 100) == 100
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            statuses = set(connection.scalars(select(Enrolment.status).distinct()))
            accounts = connection.scalar(select(func.count()).select_from(Account))
            unfinished = connection.scalar(
                select(func.count()).where(Enrolment.finished_at.is_(None))
            )
    finally:
        engine.dispose()
    assert statuses <= {status for status, _ in STATUS_MIX}
    assert not statuses & set(ACTIVE_STATUSES)  # nothing for a console to poll
    assert accounts == 50
    assert unfinished == 0


def test_the_command_adds_to_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    assert main(["--rows", "10", "--database-url", url]) == 0
    assert main(["--rows", "20", "--database-url", url]) == 0
    assert "the database holds 30" in capsys.readouterr().out
