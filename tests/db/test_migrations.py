"""Alembic owns the schema: upgrade from empty, round trips keep data, models match."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text

from db.engine import (
    create_engine_for,
    downgrade,
    head_revision,
    schema_version,
    session_factory,
    upgrade,
)
from db.models import Account, Base, Campaign, Enrolment, EnrolmentEvent
from tests.support import factories

TABLES = {
    "accounts",
    "enrolments",
    "enrolment_events",
    "campaigns",
    "test_pushes",
    "alembic_version",
}
HEAD = "0008"


def test_upgrade_from_empty(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        assert schema_version(engine) is None
        upgrade(engine)
        assert schema_version(engine) == head_revision() == HEAD
        assert set(inspect(engine).get_table_names()) >= TABLES
        upgrade(engine)  # idempotent at head
        assert schema_version(engine) == HEAD
    finally:
        engine.dispose()


def test_upgrade_accepts_a_url(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = create_engine_for(sqlite_url)
    try:
        assert schema_version(engine) == HEAD
    finally:
        engine.dispose()


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_upgrade_round_trip_keeps_data(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        owner = factories.account("kept")
        session.add(owner)
        session.flush()
        done = factories.enrolment(owner, "ENROLLED")
        session.add(done)
        session.flush()
        active = factories.enrolment(owner, "PENDING")
        session.add(active)
        session.flush()
        session.add_all([factories.event(done, "PENDING"), factories.event(active, "PENDING")])

    downgrade(engine, "0001")
    assert schema_version(engine) == "0001"
    columns = {c["name"] for c in inspect(engine).get_columns("enrolments")}
    assert "next_poll_at" not in columns
    with engine.connect() as connection:
        # The batch rebuild of `enrolments` must not cascade into its events.
        assert connection.scalar(text("SELECT count(*) FROM enrolment_events")) == 2
        assert connection.scalar(text("SELECT count(*) FROM enrolments")) == 2

    upgrade(engine)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EnrolmentEvent)) == 2
        rows = {e.status: e for e in session.scalars(select(Enrolment))}
        assert rows["PENDING"].next_poll_at == rows["PENDING"].issued_at  # due at once
        assert rows["ENROLLED"].next_poll_at is None
        assert rows["PENDING"].qr_png == b"\x89PNG"
        assert session.scalars(select(Account.username)).all() == ["kept"]


def test_campaign_round_trip_keeps_enrolments_and_events(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        campaign = Campaign(name="Spring intake", created_at=factories.T0, created_by="t")
        session.add(campaign)
        owner = factories.account("team-member")
        owner.display_name = "Team Member"
        session.add(owner)
        session.flush()
        rows = [factories.enrolment(owner, "EXPIRED"), factories.enrolment(owner, "PENDING")]
        for row in rows:
            row.campaign_id = campaign.id
        session.add_all(rows)
        session.flush()
        session.add_all([factories.event(row, "PENDING") for row in rows])

    downgrade(engine, "0002")
    assert schema_version(engine) == "0002"
    assert "campaigns" not in inspect(engine).get_table_names()
    assert "campaign_id" not in {c["name"] for c in inspect(engine).get_columns("enrolments")}
    assert "display_name" not in {c["name"] for c in inspect(engine).get_columns("accounts")}
    with engine.connect() as connection:
        # The batch rebuilds of `enrolments` and `accounts` must not cascade into children.
        assert connection.scalar(text("SELECT count(*) FROM enrolment_events")) == 2
        assert connection.scalar(text("SELECT count(*) FROM enrolments")) == 2

    upgrade(engine)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EnrolmentEvent)) == 2
        assert {e.campaign_id for e in session.scalars(select(Enrolment))} == {None}
        assert session.scalars(select(Account.display_name)).all() == [None]
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_tenant_id_round_trip_keeps_accounts_and_enrolments(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        linked = factories.account("linked")
        linked.tenant_id = "193f187d921c49e48d555257b6654b54"
        older = factories.account("older")
        session.add_all([linked, older])
        session.flush()
        row = factories.enrolment(linked, "PENDING")
        session.add(row)
        session.flush()
        session.add(factories.event(row, "PENDING"))

    downgrade(engine, "0003")
    assert "tenant_id" not in {c["name"] for c in inspect(engine).get_columns("accounts")}
    with engine.connect() as connection:
        # The batch rebuild of `accounts` must not cascade into its enrolments and events.
        assert connection.scalar(text("SELECT count(*) FROM enrolments")) == 1
        assert connection.scalar(text("SELECT count(*) FROM enrolment_events")) == 1

    upgrade(engine)
    with sessions() as session:
        accounts = {a.username: a for a in session.scalars(select(Account))}
        assert {a.tenant_id for a in accounts.values()} == {None}  # the id is gone, rows stay
        assert accounts["older"].reference == str(accounts["older"].id)
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_email_round_trip_keeps_accounts_and_enrolments(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        mailed = factories.account("mailed")
        mailed.email = "mailed@example.com"
        mailed.tenant_id = "193f187d921c49e48d555257b6654b54"
        twin = factories.account("twin")
        twin.email = "mailed@example.com"  # one address, two accounts: not unique
        session.add_all([mailed, twin])
        session.flush()
        row = factories.enrolment(mailed, "EXPIRED")
        session.add(row)
        session.flush()
        session.add(factories.event(row, "PENDING"))

    downgrade(engine, "0004")
    assert schema_version(engine) == "0004"
    assert "email" not in {c["name"] for c in inspect(engine).get_columns("accounts")}
    with engine.connect() as connection:
        # The batch rebuild of `accounts` must not cascade into its enrolments and events.
        assert connection.scalar(text("SELECT count(*) FROM enrolments")) == 1
        assert connection.scalar(text("SELECT count(*) FROM enrolment_events")) == 1

    upgrade(engine)
    with sessions() as session:
        accounts = {a.username: a for a in session.scalars(select(Account))}
        assert {a.email for a in accounts.values()} == {None}  # the address is gone, rows stay
        assert accounts["mailed"].tenant_id == "193f187d921c49e48d555257b6654b54"
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_tenant_ids_are_unique_where_set_and_kept_exactly(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    sessions = session_factory(engine)
    odd = "Ab-12/ü x"  # SCIM 2.0 allows any string: kept, case and all
    with sessions.begin() as session:
        first, second, third = (factories.account(n) for n in ("one", "two", "three"))
        first.tenant_id = odd
        session.add_all([first, second, third])  # two NULLs are fine
    with sessions() as session:
        assert session.scalar(select(Account.tenant_id).where(Account.username == "one")) == odd
    again = factories.account("four")
    again.tenant_id = odd
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(again)


def test_deleting_a_campaign_detaches_its_enrolments(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        campaign = Campaign(name="Detach me", created_at=factories.T0, created_by="t")
        owner = factories.account("detached")
        session.add_all([campaign, owner])
        session.flush()
        row = factories.enrolment(owner, "PENDING")
        row.campaign_id = campaign.id
        session.add(row)
    with sessions.begin() as session:
        session.execute(text("DELETE FROM campaigns"))
    with sessions() as session:
        assert session.scalars(select(Enrolment.campaign_id)).all() == [None]


def test_campaign_names_are_unique(engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(Campaign(name="Twice", created_at=factories.T0, created_by="t"))
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(Campaign(name="Twice", created_at=factories.T0, created_by="t"))


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_foreign_keys_are_on_again_after_migrating(sqlite_url: str) -> None:
    engine = create_engine_for(sqlite_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_file_and_its_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "console.db"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        upgrade(engine)
        assert path.exists()
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert int(pragma("PRAGMA busy_timeout").scalar() or 0) >= 5000
    finally:
        engine.dispose()


REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_revision_applies_alone(sqlite_url: str, revision: str) -> None:
    upgrade(sqlite_url, revision)
    engine = create_engine_for(sqlite_url)
    try:
        assert schema_version(engine) == revision
    finally:
        engine.dispose()
