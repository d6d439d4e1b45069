"""The Bulk onboarding page's view-model: the choices its widgets are given."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.domain.onboarding import PlannedRow, Preview
from dashboard.domain.records import CampaignView
from dashboard.views import bulk_page

ROW = PlannedRow(2, "ann", "ann", None)


def test_the_campaign_name_comes_from_the_file_name() -> None:
    assert bulk_page.default_name("team/sales.q3.csv") == "sales.q3"
    assert len(bulk_page.default_name("x" * 150 + ".csv")) == 100


def test_a_run_needs_rows_and_a_name() -> None:
    preview = Preview(new=(ROW,), existing=(), duplicates=(), invalid=())
    assert bulk_page.can_run(preview, "Sales")
    assert not bulk_page.can_run(preview, "  ")
    assert not bulk_page.can_run(Preview((), (), (), ()), "Sales")


def test_the_tabs_count_their_rows() -> None:
    preview = Preview(new=(ROW,), existing=(), duplicates=(), invalid=())
    labels = bulk_page.tab_labels(bulk_page.preview_tables(preview))
    assert labels == [
        "To create (1)",
        "To link (on the tenant) (0)",
        "Already in the console (0)",
        "Duplicates (0)",
        "Invalid (0)",
    ]


def test_the_picker_starts_on_the_campaign_last_run() -> None:
    assert bulk_page.remembered([5, 3, 1], 3) == 1
    assert bulk_page.remembered([5, 3, 1], 9) == 0
    assert bulk_page.remembered([5, 3, 1], None) == 0


def test_a_campaign_says_when_and_by_whom_it_started() -> None:
    campaign = CampaignView(3, "Sales", datetime(2026, 12, 1, 9, 5, tzinfo=UTC), "ann")
    assert bulk_page.started(campaign) == "Started 2026-12-01 09:05 UTC by ann."
