"""The Enrolments page's plain helpers: filters from widget values, the spooled CSV file, the
line above the table with the count capped."""

from __future__ import annotations

from datetime import UTC, date, datetime

from streamlit.runtime.download_data_util import convert_data_to_bytes_and_infer_mime

from dashboard.domain.statuses import Status
from dashboard.views.enrolments import (
    COUNT_CAP,
    SPOOL_IN_MEMORY,
    csv_file,
    enrolment_filter,
    match_caption,
    page_count,
)


def test_a_date_range_covers_whole_utc_days() -> None:
    where = enrolment_filter([Status.ENROLLED], " Al ", (date(2025, 3, 1), date(2025, 3, 2)))
    assert where.statuses == frozenset({"ENROLLED"})
    assert where.username == "Al"
    assert where.issued_from == datetime(2025, 3, 1, tzinfo=UTC)
    assert where.issued_to == datetime(2025, 3, 3, tzinfo=UTC)


def test_one_date_means_from_that_day_and_none_means_any_day() -> None:
    assert enrolment_filter([], "", (date(2025, 3, 1),)).issued_to is None
    assert enrolment_filter([], "", date(2025, 3, 1)).issued_from == datetime(
        2025, 3, 1, tzinfo=UTC
    )
    where = enrolment_filter([], "", ())
    assert (where.issued_from, where.issued_to, where.statuses) == (None, None, frozenset())


def test_a_big_csv_spills_to_disk_and_streamlit_reads_it_whole() -> None:
    line = "x" * 99 + "\n"
    count = SPOOL_IN_MEMORY // len(line) * 2
    produced = csv_file(line for _ in range(count))
    try:
        assert produced._spool._rolled  # type: ignore[attr-defined]
        data, _ = convert_data_to_bytes_and_infer_mime(produced, TypeError("unsupported"))
    finally:
        produced.close()
    assert len(data) == count * len(line)
    assert data.startswith(line.encode())


def test_page_count() -> None:
    assert page_count(0, 25) == 1
    assert page_count(25, 25) == 1
    assert page_count(26, 25) == 2


def test_below_the_cap_the_count_is_exact() -> None:
    assert match_caption(1, 1, 1) == "1 enrolment(s) match; showing 1–1."
    assert match_caption(0, 1, 0) == "0 enrolment(s) match."
    assert match_caption(COUNT_CAP, 51, 50) == f"{COUNT_CAP} enrolment(s) match; showing 51–100."


def test_above_the_cap_it_says_more_and_how_to_see_the_rest() -> None:
    text = match_caption(COUNT_CAP + 1, 1, 50)
    assert text.startswith("More than 10,000 enrolments match; showing 1–50.")
    assert "narrow the filters" in text
    assert "CSV" in text
    assert page_count(min(COUNT_CAP + 1, COUNT_CAP), 50) == 200
