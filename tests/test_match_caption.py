"""The Enrolments page's line above the table, with the count capped."""

from __future__ import annotations

from dashboard.views.enrolments import COUNT_CAP, match_caption, page_count


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
