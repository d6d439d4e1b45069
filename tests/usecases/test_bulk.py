"""Bulk onboarding against a real database (SQLite file, PostgreSQL) and the real simulator:
the preview of a 500-row file, a run with an API fault half-way and its resume, re-issuing
expired codes, the results CSV, and the printable PDF whose QR codes a phone can scan."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

import httpx2
import pypdfium2
import pytest
import zxingcpp

from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.domain.statuses import Status
from dashboard.errors import InputError
from dashboard.usecases.bulk import BulkOnboarding, Preview, RowOutcome, RowResult, result_csv
from dashboard.usecases.campaigns import Campaigns
from dashboard.views.bulk import qr_pdf
from db.engine import session_factory
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console
from tests.support.simulator import Simulator

EXISTING = 10
INVALID = [
    "ab",  # length
    "bad name",  # characters: a space
    "=cmd",  # start
    "",  # required (the row has a display name)
    "x<script>",  # characters
    "pаypal",  # scripts: a Cyrillic а among Latin letters
    "zero\u200bwidth",  # control: a zero-width space
    "a" * 65,  # length
]
DUPLICATES = 15


@dataclass
class Team:
    """A team file and what its preview must count."""

    data: bytes
    new: int
    existing: int
    duplicates: int
    invalid: int


def team_csv(total: int = 500) -> Team:
    """``total`` data rows: EXISTING accounts that exist already (in another case), the INVALID
    names, DUPLICATES repeats of earlier rows (in another case), and new people; plus blank
    lines, a BOM and semicolons as Excel writes them in many locales."""
    rows: list[tuple[str, str]] = [(f"EXISTING-{i:03}", f"Existing {i}") for i in range(EXISTING)]
    rows += [(name, "Broken row") for name in INVALID]
    new = total - len(rows) - DUPLICATES
    rows += [(f"member-{i:04}", f"Member Nummer {i}; Team") for i in range(new)]
    rows += [(f"MEMBER-{i:04}", "again") for i in range(DUPLICATES)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["username", "display_name", "department"])
    for index, (username, display) in enumerate(rows):
        writer.writerow([username, display, "ops"])
        if index % 100 == 0:
            buffer.write("\r\n")
    return Team(("\ufeff" + buffer.getvalue()).encode(), new, EXISTING, DUPLICATES, len(INVALID))


@pytest.fixture
def bulk(console: Console) -> BulkOnboarding:
    return BulkOnboarding(
        console.accounts, console.enrolments, Campaigns(session_factory(console.engine))
    )


def seed_existing(console: Console) -> None:
    for i in range(EXISTING):
        console.accounts.create(f"existing-{i:03}", actor="seed")


def enrol_requests(api: Simulator) -> int:
    """How many enrol requests the simulator answered, whatever the status."""
    return sum(api.stats().get("POST /omi/qr/enrol", {}).values())


def campaign_enrolments(console: Console, campaign_id: int) -> list[tuple[str, Status]]:
    views, total = console.table.page(
        EnrolmentFilter(campaign_id=campaign_id), EnrolmentSort("username", False), limit=1000
    )
    assert total == len(views)
    return [(v.username, v.status) for v in views]


def test_the_preview_of_a_500_row_file_counts_exactly(
    bulk: BulkOnboarding, console: Console
) -> None:
    seed_existing(console)
    team = team_csv()
    preview = bulk.preview(team.data)
    assert (len(preview.new), len(preview.existing)) == (team.new, team.existing)
    assert (len(preview.duplicates), len(preview.invalid)) == (team.duplicates, team.invalid)
    assert len(preview.runnable) == team.new + team.existing == 477
    assert preview.blank_lines == 5
    assert preview.ignored_columns == ("department",)
    # Existing accounts keep their stored name; the file's case does not matter.
    assert preview.existing[0].username == "existing-000"
    assert preview.existing[0].account_id is not None
    assert preview.new[0].display_name == "Member Nummer 0; Team"
    # Each invalid row carries the rule's sentence; each duplicate names the first line.
    reasons = {row.username: row.reason for row in preview.invalid}
    assert reasons["ab"].startswith("A username must be 3 to 64 characters long")
    assert reasons["bad name"].startswith("A username may contain only letters")
    assert reasons["=cmd"].startswith("A username must start with a letter or a digit")
    assert reasons[""].startswith("A username is required")
    assert reasons["pаypal"].startswith("A username must not mix Latin, Greek and Cyrillic")
    assert reasons["zero\u200bwidth"].startswith("A username must not contain control")
    first = next(row for row in preview.new if row.username == "member-0000")
    assert f"same username as line {first.line}" in preview.duplicates[0].reason
    # Nothing was written.
    assert console.accounts.search("member") == []


def test_a_run_with_an_api_fault_half_way_stops_and_the_resume_does_the_rest(
    bulk: BulkOnboarding, console: Console, api: Simulator
) -> None:
    seed_existing(console)
    team = team_csv()
    preview = bulk.preview(team.data)
    total = len(preview.runnable)
    seen: list[tuple[int, int]] = []

    def outage_at_half(done: int, count: int, result: RowResult) -> None:
        seen.append((done, count))
        if done == total // 2:
            api.fault(route="enrol", status=500, count=50)

    first = bulk.run(preview, "Spring intake", actor="op", progress=outage_at_half)
    assert seen == [(i, total) for i in range(1, total + 1)]  # every row reported, in order
    # The client retries once (two requests a row): three rows fail, then the run stops.
    assert first.stopped.startswith("Stopped after 3 API failure(s) in a row")
    counts = first.counts
    assert counts[RowOutcome.ISSUED] == total // 2
    assert counts[RowOutcome.FAILED] == 3
    assert counts[RowOutcome.NOT_ATTEMPTED] == total - total // 2 - 3
    assert first.remaining == total - total // 2
    failed = [r for r in first.results if r.outcome is RowOutcome.FAILED]
    assert all("The Mobile Identity API failed" in r.message for r in failed)
    created_but_not_issued = [r for r in failed if r.created]
    assert all("running again issues its QR code" in r.message for r in created_but_not_issued)
    in_campaign = campaign_enrolments(console, first.campaign.id)
    assert len(in_campaign) == total // 2

    api.http.delete("/_sim/faults").raise_for_status()  # the API is back
    enrol_requests_before = enrol_requests(api)
    again = bulk.preview(team.data)
    assert bulk.already_done(again, "Spring intake") == total // 2
    assert len(again.existing) == team.existing + total // 2 + 3 - team.existing
    resumed = bulk.run(again, "Spring intake", actor="op")
    assert resumed.campaign == first.campaign
    assert resumed.stopped == ""
    assert resumed.counts[RowOutcome.ISSUED] == total - total // 2
    assert resumed.counts[RowOutcome.SKIPPED] == total // 2
    assert resumed.counts[RowOutcome.FAILED] == 0
    # Only the remaining rows went to the API, and nobody has two accounts or two codes.
    assert enrol_requests(api) - enrol_requests_before == total - total // 2
    in_campaign = campaign_enrolments(console, first.campaign.id)
    assert len(in_campaign) == total == len({name for name, _ in in_campaign})
    assert {status for _, status in in_campaign} == {Status.PENDING}
    assert len(console.accounts.search("member", limit=1000)) == team.new

    # A third run has nothing left to do.
    third = bulk.run(bulk.preview(team.data), "Spring intake", actor="op")
    assert third.counts[RowOutcome.SKIPPED] == total
    progress = bulk.campaigns.progress(first.campaign.id)
    assert (progress.people, progress.qr_codes, progress.pending) == (total, total, total)


def test_a_single_failed_row_is_recorded_and_the_run_goes_on(
    bulk: BulkOnboarding, console: Console, api: Simulator
) -> None:
    data = b"username\nanna\nbert\ncora\n"
    api.fault(route="enrol", status=503, count=2)  # one row's request and its retry
    report = bulk.run(bulk.preview(data), "Three", actor="op")
    assert [r.outcome for r in report.results] == [
        RowOutcome.FAILED,
        RowOutcome.ISSUED,
        RowOutcome.ISSUED,
    ]
    assert report.stopped == ""
    assert report.results[0].created
    resumed = bulk.run(bulk.preview(data), "Three", actor="op")
    assert [r.outcome for r in resumed.results] == [
        RowOutcome.ISSUED,
        RowOutcome.SKIPPED,
        RowOutcome.SKIPPED,
    ]
    assert resumed.results[0].message == "QR code issued."  # the account existed by now


def test_a_refused_credential_stops_at_once(
    bulk: BulkOnboarding, console: Console, api: Simulator
) -> None:
    api.fault(route="enrol", status=403, count=5, json={"error": "insufficient_scope"})
    report = bulk.run(bulk.preview(b"username\nanna\nbert\ncora\n"), "Denied", actor="op")
    assert [r.outcome for r in report.results] == [
        RowOutcome.FAILED,
        RowOutcome.NOT_ATTEMPTED,
        RowOutcome.NOT_ATTEMPTED,
    ]
    assert report.stopped.startswith("Stopped after 1 API failure(s)")


def test_campaign_names_are_checked(bulk: BulkOnboarding) -> None:
    preview = bulk.preview(b"username\nanna\n")
    with pytest.raises(InputError, match="Name the campaign"):
        bulk.run(preview, "   ", actor="op")
    with pytest.raises(InputError, match="at most 100"):
        bulk.run(preview, "x" * 101, actor="op")
    with pytest.raises(InputError, match="operator name is empty"):
        bulk.run(preview, "ok", actor=" ")


def test_display_names_are_stored_and_invalid_ones_rejected(bulk: BulkOnboarding) -> None:
    data = "username,display_name\nanna,  Anna Ångström \nbert,Bad\u202eName\n".encode()
    preview = bulk.preview(data)
    assert [r.display_name for r in preview.new] == ["Anna Ångström"]
    assert preview.invalid[0].reason.startswith("A display name must not contain control")
    report = bulk.run(preview, "Names", actor="op")
    sheets = bulk.campaigns.qr_sheets(report.campaign.id)
    assert [(s.username, s.display_name) for s in sheets] == [("anna", "Anna Ångström")]


def test_results_csv(bulk: BulkOnboarding) -> None:
    report = bulk.run(bulk.preview(b"username,display_name\nanna,=SUM(A1)\n"), "CSV", actor="op")
    rows = list(csv.DictReader(io.StringIO("".join(result_csv(report.results)))))
    assert list(rows[0]) == [
        "line",
        "username",
        "display_name",
        "account_id",
        "outcome",
        "message",
        "expires_at",
    ]
    assert rows[0]["username"] == "anna"
    assert rows[0]["display_name"] == "'=SUM(A1)"  # a formula stays text
    assert rows[0]["outcome"] == "issued"
    assert rows[0]["account_id"] == str(report.results[0].account_id)
    assert rows[0]["expires_at"].endswith("+00:00")


def test_reissue_gives_expired_members_a_new_code_in_the_campaign(
    database_url: str, simulator: RunningSimulator
) -> None:
    clock = Clock()
    with open_console(database_url, simulator, clock=clock) as console:
        bulk = BulkOnboarding(
            console.accounts,
            console.enrolments,
            Campaigns(session_factory(console.engine), clock=clock),
        )
        report = bulk.run(bulk.preview(b"username\nanna\nbert\ncora\n"), "Expiring", actor="op")
        campaign = report.campaign.id
        anna, bert, cora = (r.account_id for r in report.results)
        assert anna
        assert bert
        assert cora
        # cora got a newer code on the Enrol page: re-issuing must not replace it.
        clock.now += timedelta(hours=1)
        console.enrolments.expire_overdue()
        console.enrolments.issue(cora, actor="op")
        assert bulk.campaigns.progress(campaign).expired == 3
        assert bulk.reissuable(campaign, [Status.EXPIRED]) == 2
        with pytest.raises(InputError, match="Only finished"):
            bulk.reissue(campaign, [Status.ENROLLED], actor="op")
        with pytest.raises(InputError, match="Only finished"):
            bulk.reissue(campaign, [Status.SUPERSEDED], actor="op")  # a newer code exists

        again = bulk.reissue(campaign, [Status.EXPIRED], actor="op")
        assert [(r.username, r.outcome) for r in again.results] == [
            ("anna", RowOutcome.ISSUED),
            ("bert", RowOutcome.ISSUED),
        ]
        progress = bulk.campaigns.progress(campaign)
        assert (progress.people, progress.qr_codes) == (3, 5)
        assert (progress.pending, progress.expired) == (2, 1)
        assert bulk.reissue(campaign, [Status.EXPIRED], actor="op").results == ()
        statuses = sorted(status for _, status in campaign_enrolments(console, campaign))
        assert statuses == [Status.EXPIRED] * 3 + [Status.PENDING] * 2  # cora's new one is not


def test_the_pdf_has_one_scannable_qr_code_per_person(
    bulk: BulkOnboarding, console: Console, api: Simulator
) -> None:
    data = "username,display_name\nanna,Anna Андреевна\nборис,Борис\ncora,\n".encode()
    report = bulk.run(bulk.preview(data), "Printed", actor="op")
    pdf = pypdfium2.PdfDocument(qr_pdf(bulk.qr_sheets(report.campaign.id)))
    try:
        assert len(pdf) == 3
        for index, expected in enumerate(sorted(report.results, key=lambda r: r.username)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            assert f"Username: {expected.username}" in text
            assert "Valid until" in text
            image = page.render(scale=2).to_pil()
            codes = zxingcpp.read_barcodes(image)
            assert len(codes) == 1
            url = codes[0].text
            assert "/device/enrol/" in url
            # The phone opens the URL: the enrolment is scanned.
            response = httpx2.get(url, trust_env=False, timeout=10)
            assert response.status_code == 200
            assert expected.enrolment_id is not None
            assert expected.account_id is not None
            reference = console.accounts.get(expected.account_id).reference
            console.polling.poll(expected.enrolment_id, reference, backoff=lambda _: timedelta())
            assert console.enrolments.get(expected.enrolment_id).status is Status.SCANNED
    finally:
        pdf.close()
    progress = bulk.campaigns.progress(report.campaign.id)
    assert (progress.scanned, progress.reached_phone) == (3, 3)


def test_an_empty_campaign_prints_one_explaining_page(bulk: BulkOnboarding) -> None:
    campaign = bulk.campaigns.open("Nobody yet", actor="op")
    pdf = pypdfium2.PdfDocument(qr_pdf(bulk.qr_sheets(campaign.id)))
    try:
        assert len(pdf) == 1
        assert "No active QR codes" in pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()


def test_preview_of_an_unreadable_file_says_why(bulk: BulkOnboarding) -> None:
    with pytest.raises(InputError, match="needs a 'username' column"):
        bulk.preview(b"name\nanna\n")
    empty: Preview = bulk.preview(b"username\n")
    assert empty.runnable == ()
