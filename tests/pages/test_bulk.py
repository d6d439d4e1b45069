"""The Bulk onboarding page (upload through AppTest's file uploader), and the campaign views on
the Overview and Enrolments pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
from streamlit.runtime.download_data_util import convert_data_to_bytes_and_infer_mime
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.usecases.bulk import BulkOnboarding, RunReport
from dashboard.usecases.campaigns import Campaigns
from db.engine import session_factory
from tests.support.apptest import Env, assert_no_exception, everything, labelled, open_page, texts
from tests.support.console import Clock, Console, open_console
from tests.support.simulator import Simulator

Deferred = Callable[[], Any]
TEAM = (
    b"username;display_name\n"
    b"anna;Anna **Bold** [link](http://evil.example)\n"
    b"EXISTING;Someone\n"
    b"bert;\n"
    b"ANNA;again\n"
    b"bad name;x\n"
    b"\n"
    b"cora;Cora\n"
)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Deferred]:
    """The callables download buttons register, by file name (what a click would run)."""
    registered: dict[str, Deferred] = {}
    original = MediaFileManager.add_deferred

    def spy(
        self: MediaFileManager,
        data_callable: Deferred,
        mimetype: str | None,
        coordinates: str,
        file_name: str | None = None,
        **kwargs: Any,
    ) -> str:
        registered[file_name or ""] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return registered


def clicked(produce: Deferred) -> bytes:
    """What the browser receives when the button is clicked (Streamlit's own conversion)."""
    produced = produce()
    try:
        data, _ = convert_data_to_bytes_and_infer_mime(produced, TypeError("unsupported"))
    finally:
        if hasattr(produced, "close"):
            produced.close()
    return data


def metric(at: AppTest, label: str) -> str:
    return str(labelled(at.metric, label).value)


def upload(at: AppTest, data: bytes, name: str = "Sales team.csv") -> AppTest:
    at.file_uploader(key="bulk-upload").set_value((name, data, "text/csv"))
    return at.run()


def onboarding(console: Console) -> BulkOnboarding:
    return BulkOnboarding(
        console.accounts, console.enrolments, Campaigns(session_factory(console.engine))
    )


def test_upload_preview_run_results_and_downloads(
    env: Env, seeder: Console, downloads: dict[str, Deferred]
) -> None:
    seeder.accounts.create("existing", actor="seed")
    assert env.simulator is not None
    with Simulator(env.simulator) as sim:  # cora signed up on the website: on the tenant
        headers = {"Authorization": f"Bearer {sim.token('SCIM:user:post')}"}
        body = {"schemas": ["urn:scim:schemas:core:1.0"], "userName": "cora"}
        cora = sim.http.post("/scim/v1/Users", json=body, headers=headers).json()["id"]
    at = open_page("bulk")
    assert_no_exception(at)
    assert "No campaign yet" in texts(at)

    upload(at, TEAM)
    assert_no_exception(at)
    names = ("New accounts", "Exist on the tenant", "Already in the console", "Duplicates")
    assert [metric(at, n) for n in (*names, "Invalid")] == ["2", "1", "1", "1", "1"]
    assert list(at.dataframe[1].value["Tenant id"]) == [cora]
    assert "1 blank line(s) skipped" in texts(at).replace("\\", "")
    name = at.text_input(key="bulk-campaign-name")
    assert name.value == "Sales team"
    invalid = at.dataframe[4].value  # the tabs: create, link, in the console, duplicates, invalid
    assert list(invalid["Username"]) == ["bad name"]
    assert next(iter(invalid["Reason"])).startswith("A username may contain only letters")

    run = at.button(key="bulk-run")
    assert run.label == "Create 2, link 1 account(s) and issue 4 QR code(s)"
    run.click().run()
    assert_no_exception(at)
    assert metric(at, "QR codes issued") == "4"
    assert "Every row is done." in texts(at)
    assert metric(at, "Issued (people)") == "4"  # the campaign section shows the new campaign

    produced = clicked(downloads["Sales-team-results.csv"]).decode()
    results = list(csv.DictReader(io.StringIO(produced)))
    assert [(r["username"], r["outcome"]) for r in results] == [
        ("anna", "issued"),
        ("existing", "issued"),
        ("bert", "issued"),
        ("cora", "issued"),
    ]
    made = sorted(u.user_name for u in env.simulator.store.all_users())
    assert made == ["anna", "bert", "cora", "existing"]  # cora linked, not made twice
    pdf = pypdfium2.PdfDocument(clicked(downloads["Sales-team-qr-codes.pdf"]))
    try:
        assert len(pdf) == 4
        assert "Anna **Bold** [link](http://evil.example)" in pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()

    # The same file again under the same name: a resume with nothing left to do.
    at.run()
    assert "4 of these accounts already have a QR code in it" in texts(at).replace("\\", "")
    assert at.button(key="bulk-run").label == "Create 0 account(s) and issue 0 QR code(s)"


def test_names_from_the_file_never_render_as_markdown(env: Env, seeder: Console) -> None:
    seeder.accounts.create("anna", actor="seed")
    campaign = "*Team* [x](http://evil.example)"
    onboarding(seeder).run(onboarding(seeder).preview(b"username\nanna\n"), campaign, actor="op")
    at = open_page("bulk")
    upload(at, b"username\nanna\n")
    at.text_input(key="bulk-campaign-name").set_value(campaign).run()
    assert_no_exception(at)
    shown = [i.value for i in at.info if "already have" in i.value]
    assert shown
    assert "\\*Team\\* \\[x\\]\\(http\\:\\/\\/evil\\.example\\)" in shown[0]
    assert "<a" not in everything(at)


def test_a_bad_file_is_explained(env: Env, seeder: Console) -> None:
    at = open_page("bulk")
    upload(at, "username\nrené\n".encode("cp1252"))
    assert_no_exception(at)
    assert "not valid UTF-8 text" in at.error[0].value.replace("\\", "")


def test_reissue_expired_from_the_page(env: Env, seeder: Console) -> None:
    assert env.simulator is not None
    clock = Clock()
    with open_console(env.database_url, env.simulator, clock=clock) as console:
        bulk = onboarding(console)
        bulk.run(bulk.preview(b"username\nanna\nbert\n"), "Expiring", actor="op")
        clock.now += timedelta(hours=1)
        assert console.enrolments.expire_overdue() == 2
    at = open_page("bulk")
    assert metric(at, "Expired") == "2"
    assert "2 person(s) would get a new QR code." in texts(at)
    at.button(key="bulk-reissue").click().run()
    assert_no_exception(at)
    assert metric(at, "QR codes issued") == "2"
    assert metric(at, "Expired") == "0"
    assert metric(at, "Waiting") == "2"
    assert "4 QR code(s) issued in this campaign" in texts(at)


def test_overview_shows_campaign_progress(env: Env, seeder: Console) -> None:
    bulk = onboarding(seeder)
    bulk.run(bulk.preview(b"username\nanna\nbert\n"), "Spring", actor="op")
    at = open_page("overview")
    assert_no_exception(at)
    assert "Campaigns" in [s.value for s in at.subheader]
    assert labelled(at.selectbox, "Campaign").value is not None
    assert metric(at, "Issued (people)") == "2"
    assert metric(at, "Waiting") == "2"


def test_enrolments_filter_by_campaign(env: Env, seeder: Console) -> None:
    bulk = onboarding(seeder)
    report: RunReport = bulk.run(bulk.preview(b"username\nanna\nbert\n"), "Spring", actor="op")
    loner = seeder.accounts.create("cora", actor="op")
    seeder.enrolments.issue(loner.id, actor="op")
    at = open_page("enrolments")
    assert sorted(at.dataframe[0].value["Username"]) == ["anna", "bert", "cora"]
    labelled(at.selectbox, "Campaign").set_value(report.campaign.id).run()
    assert_no_exception(at)
    assert sorted(at.dataframe[0].value["Username"]) == ["anna", "bert"]


def test_show_its_enrolments_opens_the_filtered_table(env: Env, seeder: Console) -> None:
    bulk = onboarding(seeder)
    bulk.run(bulk.preview(b"username\nanna\n"), "Solo", actor="op")
    seeder.enrolments.issue(seeder.accounts.create("cora", actor="op").id, actor="op")
    at = open_page("bulk")
    at.button(key="bulk-show").click().run()
    assert_no_exception(at)
    assert at.title[0].value == "Enrolments"
    assert list(at.dataframe[0].value["Username"]) == ["anna"]
