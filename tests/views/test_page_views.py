"""The pages' view-models: plain data in, plain data out."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from dashboard.domain.journey import PLACEMENTS, Step, journey
from dashboard.domain.overview import DayOutcome, Funnel
from dashboard.domain.records import AccountView, EnrolmentFilter, EnrolmentView
from dashboard.domain.roles import Permission
from dashboard.domain.statuses import Status
from dashboard.poller import PollerHealth
from dashboard.usecases.system import DatabaseInfo
from dashboard.views import accounts, enrol, enrolments_page, overview, registration, system
from dashboard.views.blocks import share

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def enrolment(status: Status, **changes: object) -> EnrolmentView:
    fields: dict[str, object] = {
        "id": 7,
        "account_id": uuid.uuid4(),
        "username": "dana",
        "status": status,
        "api_status": status.value,
        "issued_at": NOW - timedelta(minutes=1),
        "expires_at": NOW + timedelta(minutes=4, seconds=5),
        "finished_at": None,
        "device_name": None,
        "last_error": None,
        "issued_by": "local",
        "time_to_enrol": None,
    }
    fields.update(changes)
    return EnrolmentView(**fields)  # type: ignore[arg-type]


def test_an_active_enrolment_counts_down_and_offers_cancel_and_reissue() -> None:
    shown = enrol.panel(enrolment(Status.PENDING, last_error="timed out"), NOW)
    assert shown.active
    assert shown.expires_in == "4:05"
    assert [a.permission for a in shown.actions] == [Permission.CANCEL, Permission.REISSUE]
    assert [(n.kind, n.text) for n in shown.notes] == [("warning", "Last check failed: timed out")]


def test_an_enrolled_device_is_named_and_a_new_code_offered() -> None:
    done = enrolment(
        Status.ENROLLED, device_name="Dana's phone", time_to_enrol=timedelta(seconds=42)
    )
    shown = enrol.panel(done, NOW)
    assert not shown.active
    assert [n.text for n in shown.notes] == ["Enrolled “Dana's phone” in 42 s."]
    assert shown.actions == (enrol.ISSUE_NEW,)


def test_the_services_own_word_is_quoted_and_an_unknown_one_warned_about() -> None:
    known = enrol.panel(enrolment(Status.ENROLLED, api_status="COMPLETED"), NOW)
    assert known.notes[0].kind == "caption"
    assert known.notes[0].text == "The service reports: COMPLETED"
    unknown = enrol.panel(enrolment(Status.PENDING, api_status="WOBBLING"), NOW)
    assert unknown.notes[0].kind == "warning"
    assert "does not know: WOBBLING" in unknown.notes[0].text


def test_which_enrolment_is_watched() -> None:
    pending, ended = enrolment(Status.PENDING), enrolment(Status.EXPIRED)
    assert enrol.watching(pending, pending, None) is pending
    assert enrol.watching(None, ended, ended.id) is ended
    assert enrol.watching(None, ended, None) is None
    assert enrol.watching(None, None, 3) is None


def test_account_rows_link_to_the_enrol_page() -> None:
    account = AccountView(uuid.uuid4(), "erin", NOW, "local", None, None)
    (row,) = accounts.rows([account])
    assert row["Enrolment"] == "Not enrolled"
    assert row["Enrol"] == f"enrol?account={account.id}"
    assert accounts.empty("zz") == "No accounts match."


def test_the_enrolments_query_and_its_empty_sentences() -> None:
    where, order = enrolments_page.query([], "", None, None, None, None)
    assert where == EnrolmentFilter()
    assert (order.column, order.descending) == ("issued_at", True)
    assert enrolments_page.empty(where)[0].startswith("No enrolments yet")
    where, order = enrolments_page.query(
        [Status.EXPIRED], " ann ", None, 4, "Username", "Ascending"
    )
    assert where.statuses == frozenset({"EXPIRED"})
    assert (where.username, where.campaign_id) == ("ann", 4)
    assert (order.column, order.descending) == ("username", False)
    assert enrolments_page.empty(where)[0] == "No enrolment matches these filters."
    assert enrolments_page.campaign_choices({2: "Sales"}) == {None: "Any campaign", 2: "Sales"}


def test_the_overview_chart_spans_the_whole_period() -> None:
    rows = (DayOutcome(date(2026, 11, 30), Status.ENROLLED, 3),)
    spec = overview.chart(rows, 7, date(2026, 12, 1)).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == ["2026-11-25", "2026-12-02"]
    assert overview.OUTCOMES[0] == "Pending"
    funnel = overview.funnel(Funnel(issued=4, scanned=2, enrolled=1))
    assert [m.delta for m in funnel] == [None, "50% of issued", "25% of issued"]
    assert share(1, 0) is None


def test_the_registration_indicator_and_welcome() -> None:
    steps = journey(Step.SIGN_UP)
    marks = registration.indicator(steps, Step.NOTIFICATIONS)
    assert marks[0].startswith(":green[")
    assert marks[2].startswith("**:blue[")
    greeting, lines = registration.welcome(
        {"reg-username": "newcomer", "reg-prefs": {"channels": [], "frequency": "Daily digest"}}
    )
    assert greeting == "Welcome aboard, newcomer."
    assert lines == ["Notifications: none  ·  Daily digest"]
    assert registration.actor("ann@example.com") == "self-registration (ann@example.com)"


def test_the_placement_shown_is_the_fixed_one_else_the_first() -> None:
    last = list(PLACEMENTS)[-1]
    assert registration.placement_index(last) == len(PLACEMENTS) - 1
    assert registration.placement_index(None) == 0
    assert registration.placement_index("nowhere") == 0


def test_signing_up_keeps_the_account_and_fixes_the_placement() -> None:
    account = AccountView(uuid.uuid4(), "newcomer", NOW, "local", None, None)
    kept = registration.signed_up(account, "After sign-up")
    assert kept == {
        "reg-account": str(account.id),
        "reg-username": "newcomer",
        "reg-after": "After sign-up",
    }
    assert set(kept) <= set(registration.STATE_KEYS)


def test_the_scan_counts_down_while_active_and_names_the_device_once_enrolled() -> None:
    waiting = registration.scan(enrolment(Status.PENDING), NOW)
    assert (waiting.active, waiting.expires_in, waiting.device) == (True, "4:05", None)
    done = registration.scan(enrolment(Status.ENROLLED, device_name="Pixel"), NOW)
    assert (done.active, done.device) == (False, "Pixel")
    unnamed = registration.scan(enrolment(Status.ENROLLED), NOW + timedelta(minutes=9))
    assert unnamed.device == "your device"
    assert not registration.scan(enrolment(Status.EXPIRED), NOW).active


def test_the_enrolments_pager_counts_from_one_up_to_the_cap() -> None:
    assert enrolments_page.first_row(1, 25) == 0
    assert enrolments_page.first_row(3, 25) == 50
    assert enrolments_page.pages(0, 25) == 1
    assert enrolments_page.pages(51, 25) == 3
    assert enrolments_page.pages(10**6, 100) == 100  # 10,000 rows are counted at most


def test_the_view_warns_of_a_stopped_poller_and_an_old_schema() -> None:
    health = PollerHealth(
        running=False,
        interval=1.0,
        cycles=0,
        last_cycle_at=None,
        cycle_duration=None,
        polled_last_cycle=0,
        pending_count=2,
        recent_errors=1,
        last_error="timed out",
        last_error_at=None,
    )
    section = system.poller(health)
    assert dict(section.metrics)["State"] == "Stopped"
    assert [n.level for n in section.notices] == ["error", "warning"]
    assert section.notices[1].text == "Last poll error: timed out"
    old = system.database(DatabaseInfo("sqlite:///x.db", "sqlite", None, "abc123"))
    assert dict(old.metrics)["Schema version"] == "none"
    assert [n.level for n in old.notices] == ["warning"]
