"""CSV lines for downloads, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# A cell starting with one of these is a formula to a spreadsheet (CSV injection); usernames,
# display names, actor names and API messages are typed by people and must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(field: str) -> str:
    """``field``, prefixed with ``'`` when a spreadsheet would read it as a formula."""
    return "'" + field if field.startswith(FORMULA_STARTS) else field


def csv_line(fields: Iterable[str]) -> str:
    """One CSV line (with its line ending) of ``fields``, formulas defused."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([defuse(field) for field in fields])
    return buffer.getvalue()
