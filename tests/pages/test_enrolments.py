"""The Enrolments page: filters, sorting and paging in the database, the CSV, the timeline."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from streamlit.runtime.download_data_util import convert_data_to_bytes_and_infer_mime
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import DownloadButton, Pagination

from dashboard.domain.statuses import Status
from tests.support.apptest import Env, assert_no_exception, labelled, open_page, texts
from tests.support.console import Console
from tests.support.phone import Phone

Deferred = Callable[[], Any]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[Deferred]:
    """The callables download buttons register, in order (what a click would run)."""
    registered: list[Deferred] = []
    original = MediaFileManager.add_deferred

    def spy(self: MediaFileManager, data_callable: Deferred, *args: Any, **kwargs: Any) -> str:
        registered.append(data_callable)
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return registered


def seed(console: Console, phone: Phone) -> None:
    """alice enrolled, bob pending, carol cancelled (issued in that order)."""
    alice = console.accounts.create("alice", actor="test")
    bob = console.accounts.create("bob", actor="test")
    carol = console.accounts.create("carol", actor="test")
    first = console.enrolments.issue(alice.id, actor="test")
    phone.scan(alice.id)
    console.polling.poll(first.id, alice.reference, backoff=lambda _: timedelta(seconds=1))
    phone.finish(alice.id, "confirm", device_name="Alice's phone")
    console.polling.poll(first.id, alice.reference, backoff=lambda _: timedelta(seconds=1))
    assert console.enrolments.get(first.id).status is Status.ENROLLED
    console.enrolments.issue(bob.id, actor="test")
    cancelled = console.enrolments.issue(carol.id, actor="test")
    console.enrolments.cancel(cancelled.id, actor="test")


def usernames(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Username"]) if at.dataframe else []  # none: a message


def test_the_table_lists_every_enrolment_newest_first(
    env: Env, seeder: Console, phone: Phone
) -> None:
    seed(seeder, phone)
    at = open_page("enrolments")

    assert_no_exception(at)
    assert "3 enrolment(s) match; showing 1–3." in texts(at)
    table = at.dataframe[0].value
    assert list(table["Username"]) == ["carol", "bob", "alice"]
    assert list(table["Status"]) == ["Cancelled", "Pending", "Enrolled"]
    assert list(table.columns) == [
        "#",
        "Username",
        "Status",
        "Issued",
        "Expires",
        "Finished",
        "Time to enrol",
        "Issued by",
        "Last error",
    ]
    assert table["Time to enrol"].iloc[2].endswith(" s")
    assert table["Time to enrol"].iloc[1] == ""
    assert set(table["Issued by"]) == {"test"}


def test_filters_by_status_username_and_issue_date(env: Env, seeder: Console, phone: Phone) -> None:
    seed(seeder, phone)
    at = open_page("enrolments")

    labelled(at.multiselect, "Status").select(Status.ENROLLED).select(Status.PENDING)
    at.run()
    assert usernames(at) == ["bob", "alice"]
    assert "2 enrolment(s) match" in texts(at)

    labelled(at.text_input, "Username contains").input("AL")
    at.run()
    assert usernames(at) == ["alice"]

    labelled(at.multiselect, "Status").unselect(Status.ENROLLED)
    at.run()
    assert usernames(at) == []
    assert "0 enrolment(s) match." in texts(at)

    labelled(at.multiselect, "Status").unselect(Status.PENDING)
    labelled(at.text_input, "Username contains").input("")
    today = datetime.now(UTC).date()
    label = "Issued between (UTC)"
    labelled(at.date_input, label).set_value((today + timedelta(days=1), today + timedelta(days=2)))
    at.run()
    assert usernames(at) == []
    assert "No enrolment matches these filters." in texts(at)
    labelled(at.date_input, label).set_value((today - timedelta(days=1), today))
    at.run()
    assert usernames(at) == ["carol", "bob", "alice"]


def test_sorting_is_done_by_the_database(env: Env, seeder: Console, phone: Phone) -> None:
    seed(seeder, phone)
    at = open_page("enrolments")

    labelled(at.selectbox, "Sort by").select("Username")
    at.run()
    assert usernames(at) == ["carol", "bob", "alice"]
    labelled(at.button_group, "Order").set_value("Ascending")
    at.run()
    assert usernames(at) == ["alice", "bob", "carol"]
    labelled(at.selectbox, "Sort by").select("Finished")
    at.run()
    assert usernames(at)[2] == "bob"  # unfinished rows last, either way


def test_paging_reads_one_page_at_a_time(env: Env, seeder: Console) -> None:
    for number in range(30):
        account = seeder.accounts.create(f"user{number:02d}", actor="test")
        seeder.enrolments.issue(account.id, actor="test")
    at = open_page("enrolments")
    labelled(at.selectbox, "Rows per page").select(25)
    labelled(at.selectbox, "Sort by").select("Username")
    labelled(at.button_group, "Order").set_value("Ascending")
    at.run()

    assert "30 enrolment(s) match; showing 1–25." in texts(at)
    assert usernames(at) == [f"user{n:02d}" for n in range(25)]
    pager = at.get("pagination")[0]
    assert isinstance(pager, Pagination)
    assert pager.num_pages == 2
    pager.set_value(2)
    at.run()
    assert "showing 26–30." in texts(at)
    assert usernames(at) == [f"user{n:02d}" for n in range(25, 30)]

    labelled(at.text_input, "Username contains").input("user1")
    at.run()
    assert "10 enrolment(s) match; showing 1–10." in texts(at)  # a new filter starts at page 1


def test_csv_download_holds_exactly_the_filtered_rows(
    env: Env, seeder: Console, phone: Phone, downloads: list[Deferred]
) -> None:
    seed(seeder, phone)
    at = open_page("enrolments")
    labelled(at.multiselect, "Status").select(Status.ENROLLED).select(Status.CANCELLED)
    at.run()
    assert labelled(at.get("download_button"), "Download CSV")

    produced = downloads[-1]()  # what the button generates when clicked
    try:
        # Streamlit's own conversion of the callable's result, as on a real click.
        data, _ = convert_data_to_bytes_and_infer_mime(produced, TypeError("unsupported"))
    finally:
        produced.close()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [(r["username"], r["status"]) for r in rows] == [
        ("carol", "CANCELLED"),
        ("alice", "ENROLLED"),
    ]
    assert rows[1]["device_name"] == "Alice's phone"
    assert float(rows[1]["time_to_enrol_seconds"]) >= 0


def test_csv_download_is_disabled_when_nothing_matches(env: Env, seeder: Console) -> None:
    at = open_page("enrolments")
    assert "0 enrolment(s) match." in texts(at)
    button = labelled(at.get("download_button"), "Download CSV")
    assert isinstance(button, DownloadButton)
    assert button.disabled


def test_selecting_a_row_shows_its_timeline(env: Env, seeder: Console, phone: Phone) -> None:
    seed(seeder, phone)
    at = open_page("enrolments")
    assert "Select a row to see its timeline." in texts(at)

    table_key = at.dataframe[0].key
    assert table_key is not None
    at.session_state[table_key] = {"selection": {"rows": [2], "columns": []}}  # alice
    at.run()

    assert_no_exception(at)
    assert at.subheader[0].value.startswith("Timeline of enrolment #")
    assert "Account: alice" in texts(at)
    timeline = at.dataframe[1].value
    assert list(timeline["To"]) == ["Pending", "Scanned", "Enrolled"]
    assert "Device: Alice's phone" in timeline["What happened"].iloc[2]
