"""The Enrolments page's cost against table size: one filtered, sorted page with its count."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]

from bench.tables import offline_table
from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.views.enrolments import COUNT_CAP
from db import enrolments
from db.engine import create_engine_for

#: What an operator asks most: the enrolled ones, newest first, one page of 50.
FILTER = EnrolmentFilter(statuses=frozenset({"ENROLLED"}))
SORT = EnrolmentSort("issued_at", descending=True)
PAGE = 50


@dataclass(frozen=True)
class PageCost:
    """Median seconds for one page with its count, as the page asks (capped count) and with
    an exact count; and for the naive way, reading the whole table into pandas."""

    rows: int
    capped: float
    exact: float
    pandas: float
    total_shown: int


def measure(url: str, rows: int, repeats: int, pandas_repeats: int) -> PageCost:
    """Time each way on the database at ``url`` (warm: one untimed call first)."""
    table, engine = offline_table(url)
    try:
        shown = table.page(FILTER, SORT, PAGE, 0, count_cap=COUNT_CAP)[1]
        capped = _median(lambda: table.page(FILTER, SORT, PAGE, 0, count_cap=COUNT_CAP), repeats)
        exact = _median(lambda: table.page(FILTER, SORT, PAGE, 0), repeats)
    finally:
        engine.dispose()
    naive = _median(lambda: naive_page(url), pandas_repeats, warm=False)
    return PageCost(rows, capped, exact, naive, shown)


def naive_page(url: str) -> tuple[pd.DataFrame, int]:
    """The page the naive way: the whole table into pandas, then filter, sort and slice."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            frame = pd.read_sql(enrolments.rows(), connection)
    finally:
        engine.dispose()
    matching = frame[frame["status"].isin(FILTER.statuses)]
    ordered = matching.sort_values(["issued_at", "id"], ascending=False)
    return ordered.head(PAGE), len(matching)


def _median(call: Callable[[], object], repeats: int, *, warm: bool = True) -> float:
    if warm:
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
