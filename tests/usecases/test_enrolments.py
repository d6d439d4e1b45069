"""Use-cases on real databases (SQLite file, PostgreSQL) against the real simulator."""

from __future__ import annotations

import csv
import io
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.domain.statuses import Status
from dashboard.errors import (
    ApiError,
    ConflictError,
    ConsoleError,
    InputError,
    NotFoundError,
)
from dashboard.omi.client import OmiClient
from db.engine import create_engine_for
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, console_on, omi_settings, open_console
from tests.support.simulator import Simulator, decode_qr

# --- accounts -----------------------------------------------------------------------------


def test_create_and_get_account(console: Console) -> None:
    made = console.accounts.create("  Alice.W ", actor="op1")
    assert made.username == "Alice.W"
    assert made.created_by == "op1"
    assert made.latest_status is None
    assert made.created_at.utcoffset() == timedelta(0)
    assert console.accounts.get(made.id) == made
    assert console.accounts.get(str(made.id)) == made
    assert console.accounts.get(made.id.hex.upper()) == made


@pytest.mark.parametrize("duplicate", ["alice.w", "ALICE.W", "ａｌｉｃｅ.ｗ", " Alice.W"])
def test_duplicates_ignore_case_and_width(console: Console, duplicate: str) -> None:
    console.accounts.create("Alice.W", actor="op")
    with pytest.raises(ConflictError, match="taken"):
        console.accounts.create(duplicate, actor="op")
    assert len(console.accounts.search()) == 1


def test_rejected_names_write_nothing(console: Console) -> None:
    for bad in ("", "  ", "a b c", "<b>x</b>", "x" * 100, "bob\x00"):
        with pytest.raises(InputError):
            console.accounts.create(bad, actor="op")
    assert console.accounts.search() == []


def test_an_actor_is_required(console: Console) -> None:
    with pytest.raises(InputError, match="operator"):
        console.accounts.create("valid", actor="  ")
    assert console.accounts.search() == []


@pytest.mark.parametrize("ident", ["", "not-a-uuid", "1234", "'; DROP TABLE accounts; --"])
def test_malformed_account_id(console: Console, ident: str) -> None:
    with pytest.raises(InputError, match="not an account id"):
        console.accounts.get(ident)


def test_unknown_account(console: Console) -> None:
    with pytest.raises(NotFoundError):
        console.accounts.get(uuid.uuid4())
    with pytest.raises(NotFoundError):
        console.enrolments.issue(uuid.uuid4(), actor="op")


def test_search_accounts(console: Console) -> None:
    for name in ("carol", "Caroline", "dave", "a_b", "axb"):
        console.accounts.create(name, actor="op")
    assert [a.username for a in console.accounts.search("CAROL")] == ["carol", "Caroline"]
    assert [a.username for a in console.accounts.search("_")] == ["a_b"]  # not a wildcard
    assert [a.username for a in console.accounts.search("%")] == []
    assert [a.username for a in console.accounts.search("", limit=2)] == ["a_b", "axb"]
    account = console.accounts.search("dave")[0]
    issued = console.enrolments.issue(account.id, actor="op")
    found = console.accounts.search("dave")[0]
    assert (found.latest_status, found.latest_enrolment_id) == (Status.PENDING, issued.id)
    assert console.accounts.get(account.id).latest_status is Status.PENDING


# --- enrolments ---------------------------------------------------------------------------


def test_issue_stores_a_pending_enrolment_with_its_qr(console: Console) -> None:
    account = console.accounts.create("erin", actor="op")
    issued = console.enrolments.issue(account.id, actor="op2")
    assert issued.status is Status.PENDING
    assert issued.issued_by == "op2"
    assert issued.username == "erin"
    assert issued.expires_at > issued.issued_at
    png = console.enrolments.qr_png(issued.id)
    assert png is not None
    assert "/device/enrol/" in decode_qr(png)
    assert console.enrolments.active(account.id) == issued
    assert console.enrolments.latest(account.id) == issued
    events = console.enrolments.events(issued.id)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [(None, "PENDING", "op2")]


def test_issuing_again_supersedes_and_keeps_the_old_one(console: Console) -> None:
    account = console.accounts.create("frank", actor="op")
    first = console.enrolments.issue(account.id, actor="op")
    second = console.enrolments.issue(account.id, actor="op")
    old = console.enrolments.get(first.id)
    assert old.status is Status.SUPERSEDED
    assert old.finished_at is not None
    assert console.enrolments.qr_png(first.id) is None
    assert console.enrolments.active(account.id) == second
    assert console.enrolments.events(first.id)[-1].to_status == "SUPERSEDED"
    assert f"#{first.id}" in console.enrolments.events(second.id)[0].detail


def test_cancel(console: Console) -> None:
    account = console.accounts.create("gina", actor="op")
    issued = console.enrolments.issue(account.id, actor="op")
    cancelled = console.enrolments.cancel(issued.id, actor="op9")
    assert cancelled.status is Status.CANCELLED
    assert console.enrolments.active(account.id) is None
    assert console.enrolments.qr_png(issued.id) is None
    assert console.enrolments.events(issued.id)[-1].actor == "op9"
    with pytest.raises(ConflictError, match="already cancelled"):
        console.enrolments.cancel(issued.id, actor="op")
    with pytest.raises(NotFoundError):
        console.enrolments.cancel(999_999, actor="op")


def test_unknown_enrolment(console: Console) -> None:
    for call in (console.enrolments.get, console.enrolments.qr_png, console.enrolments.events):
        with pytest.raises(NotFoundError):
            call(424242)


def test_issue_fails_cleanly_when_the_api_refuses(console: Console, api: Simulator) -> None:
    account = console.accounts.create("hank", actor="op")
    api.fault(route="enrol", status=503, count=5)
    with pytest.raises(ApiError):
        console.enrolments.issue(account.id, actor="op")
    assert console.enrolments.latest(account.id) is None


def test_local_expiry_works_with_the_api_down(sqlite_url: str, simulator: RunningSimulator) -> None:
    clock = Clock()
    with open_console(sqlite_url, simulator, clock=clock) as console:
        account = console.accounts.create("ivy", actor="op")
        issued = console.enrolments.issue(account.id, actor="op")
    simulator.stop()
    with open_console(sqlite_url, simulator, clock=clock) as console:
        assert console.enrolments.expire_overdue() == 0
        clock.now = issued.expires_at - timedelta(seconds=1)
        assert console.enrolments.qr_png(issued.id) is not None
        clock.now = issued.expires_at
        assert console.enrolments.qr_png(issued.id) is None  # not shown once its time is up
        assert console.enrolments.expire_overdue() == 1
        expired = console.enrolments.get(issued.id)
        assert expired.status is Status.EXPIRED
        assert console.enrolments.events(issued.id)[-1].actor == "expiry"
        assert console.enrolments.expire_overdue() == 0


# --- the enrolments table -----------------------------------------------------------------


def test_list_and_export(console: Console) -> None:
    for n in range(6):
        account = console.accounts.create(f"user{n}", actor="op")
        issued = console.enrolments.issue(account.id, actor="op")
        if n % 2:
            console.enrolments.cancel(issued.id, actor="op")
    rows, total = console.table.page(EnrolmentFilter(), EnrolmentSort(), limit=4)
    assert total == 6
    assert len(rows) == 4
    assert rows[0].username == "user5"
    cancelled = EnrolmentFilter(statuses=frozenset({Status.CANCELLED}))
    rows, total = console.table.page(cancelled, EnrolmentSort("username", False), 50, 0)
    assert [r.username for r in rows] == ["user1", "user3", "user5"]
    assert total == 3
    rows, total = console.table.page(EnrolmentFilter(username="ＵＳＥＲ2"), EnrolmentSort())
    assert [r.username for r in rows] == ["user2"]

    lines = list(console.table.export_csv(EnrolmentFilter(), EnrolmentSort("id", False)))
    assert len(lines) == 7
    table = list(csv.DictReader(io.StringIO("".join(lines))))
    assert [r["username"] for r in table] == [f"user{n}" for n in range(6)]
    assert table[1]["status"] == "CANCELLED"
    assert table[0]["issued_at"].endswith("+00:00")


def test_table_input_is_checked(console: Console) -> None:
    with pytest.raises(InputError):
        console.table.page(EnrolmentFilter(), EnrolmentSort(), limit=0)
    with pytest.raises(InputError):
        console.table.page(EnrolmentFilter(statuses=frozenset({"BOGUS"})), EnrolmentSort())


def test_csv_defuses_formulas(console: Console) -> None:
    from dashboard.domain.statuses import Outcome
    from dashboard.omi.records import RemoteStatus

    account = console.accounts.create("mallory", actor="op")
    issued = console.enrolments.issue(account.id, actor="op")
    console.enrolments.apply_status(
        issued.id, RemoteStatus("ENROLLED", Outcome.SUCCESS, None, "=HYPERLINK()")
    )
    lines = list(console.table.export_csv(EnrolmentFilter(), EnrolmentSort()))
    row = next(csv.DictReader(io.StringIO("".join(lines))))
    assert row["device_name"] == "'=HYPERLINK()"


# --- failures at the database boundary ----------------------------------------------------


def test_database_errors_become_console_errors(tmp_path: Path, simulator: RunningSimulator) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    omi = OmiClient(omi_settings(simulator))
    try:
        console = console_on(engine, omi)
        with pytest.raises(ConsoleError, match="database") as caught:
            console.accounts.create("valid", actor="op")
        assert not isinstance(caught.value, InputError | ConflictError)
        with pytest.raises(ConsoleError, match="database"):
            console.accounts.search()
    finally:
        omi.close()
        engine.dispose()


# --- many operators at once ---------------------------------------------------------------


def test_eight_threads_create_and_issue_at_once(console: Console) -> None:
    names = [f"crowd{n}" for n in range(12)]
    errors: list[BaseException] = []
    created: list[uuid.UUID] = []
    conflicts: list[str] = []
    start = threading.Barrier(8)
    guard = threading.Lock()

    def worker(index: int) -> None:
        try:
            start.wait()
            for name in names:  # every thread tries every name: one wins each
                try:
                    account = console.accounts.create(name, actor=f"op{index}")
                except ConflictError:
                    with guard:
                        conflicts.append(name)
                    account = console.accounts.search(name)[0]
                else:
                    with guard:
                        created.append(account.id)
                console.enrolments.issue(account.id, actor=f"op{index}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(created) == len(set(created)) == len(names)
    assert len(conflicts) == 7 * len(names)
    accounts = console.accounts.search("crowd")
    assert sorted(a.username for a in accounts) == sorted(names)
    rows, total = console.table.page(EnrolmentFilter(username="crowd"), EnrolmentSort(), 1000)
    assert total == 8 * len(names)
    by_status = {s: sum(r.status is s for r in rows) for s in Status}
    assert by_status[Status.PENDING] == len(names)  # exactly one active per account
    assert by_status[Status.SUPERSEDED] == 7 * len(names)
