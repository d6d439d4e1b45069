"""The database failing under the console: every page says so in a sentence (no traceback), and
once the database is back the pages work again by themselves.

The fault is made real on the SQLite file itself, from outside the console: a table renamed
away (every query on it fails), and the Alembic version table made unreadable (the System
page's schema version).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from dashboard.ui.pages import NAMES
from tests.support.apptest import Env, assert_no_exception, messages, open_page
from tests.support.console import Console

#: Pages whose first screen reads the enrolments table.
READ_ENROLMENTS = ("overview", "accounts", "enrol", "enrolments", "system")


def sql(env: Env, statement: str) -> None:
    path = Path(env.database_url.removeprefix("sqlite:///"))
    with closing(sqlite3.connect(path)) as db:
        db.execute(statement)
        db.commit()


def visit_all(query: dict[str, str]) -> dict[str, list[str]]:
    """Open every page (the Enrol page on an account); what each one said."""
    said: dict[str, list[str]] = {}
    for name in NAMES:
        at = open_page(name, **(query if name == "enrol" else {}))
        assert_no_exception(at, name)
        said[name] = messages(at)
    return said


def test_a_missing_table_is_a_sentence_on_every_page_and_the_pages_recover(
    env: Env, seeder: Console
) -> None:
    account = seeder.accounts.create("dora", actor="test")
    seeder.enrolments.issue(account.id, actor="test")
    query = {"account": str(account.id)}
    before = visit_all(query)
    # On a tenant without SMTP_HOST the Outbox says the mails wait: configuration, not a fault.
    assert [name for name, lines in before.items() if lines] == ["outbox"]
    assert all("SMTP_HOST" in line for line in before["outbox"])

    sql(env, "ALTER TABLE enrolments RENAME TO enrolments_away")
    said = visit_all(query)
    quiet = [name for name in READ_ENROLMENTS if not said[name]]
    assert not quiet, f"pages that did not say the database failed: {quiet}"
    for name, lines in said.items():
        news = [line for line in lines if line not in before[name]]
        assert all("database" in line.lower() for line in news), lines

    sql(env, "ALTER TABLE enrolments_away RENAME TO enrolments")
    after = visit_all(query)
    # The System page keeps showing the poller's last error, as history: that is its job.
    after["system"] = [line for line in after["system"] if not line.startswith("Last poll error")]
    assert after == before


def test_an_unreadable_schema_version_is_a_sentence_on_the_system_page(
    env: Env, seeder: Console
) -> None:
    assert not messages(open_page("system"))  # the console is up
    sql(env, "ALTER TABLE alembic_version RENAME COLUMN version_num TO broken")
    at = open_page("system")
    assert_no_exception(at)
    assert any("database" in line.lower() for line in messages(at)), messages(at)
    assert at.dataframe, "the rest of the page still shows"

    sql(env, "ALTER TABLE alembic_version RENAME COLUMN broken TO version_num")
    at = open_page("system")
    assert_no_exception(at)
    assert not messages(at)


def test_a_console_that_cannot_open_its_database_says_so(env: Env, seeder: Console) -> None:
    sql(env, "ALTER TABLE alembic_version RENAME COLUMN version_num TO broken")
    for name in ("overview", "accounts", "system"):
        at = open_page(name)
        assert_no_exception(at)
        assert any(
            line.startswith("The console cannot start: The database is not available")
            for line in messages(at)
        ), messages(at)
