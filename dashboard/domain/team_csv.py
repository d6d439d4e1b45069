"""Reading an uploaded team CSV, and writing the per-row results CSV.

The upload: a header row naming ``username`` (required), ``display_name`` (optional; also
``display name``) and ``email`` (optional; also ``e-mail``); other columns are ignored and
reported. What is accepted, and why:

- **Encoding**: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes one); UTF-16
  with a byte-order mark (Excel's "Unicode text"). Anything else is refused with the position of
  the first bad byte: guessing a legacy code page would silently misspell names.
- **Delimiter**: the first of ``,`` ``;`` tab ``|`` found in the header line (Excel writes ``;``
  in many European locales); a one-column file needs none.
- **Limits**: at most 2 MiB and 5,000 data rows, so a wrong file fails at once instead of
  creating thousands of accounts.
- **Blank lines** are skipped (counted); a row with more fields than the header is invalid (an
  unquoted display name holding the delimiter would otherwise shift silently).

Line numbers are the file's own (the header is line 1), as a spreadsheet shows them.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dashboard.domain.csv_text import csv_line
from dashboard.errors import InputError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
DELIMITERS = (",", ";", "\t", "|")
USERNAME = "username"
DISPLAY_NAME = "display_name"
EMAIL = "email"
_KNOWN = (USERNAME, DISPLAY_NAME, EMAIL)
_ALIASES = {
    "username": USERNAME,
    "display_name": DISPLAY_NAME,
    "display name": DISPLAY_NAME,
    "email": EMAIL,
    "e-mail": EMAIL,
}


@dataclass(frozen=True)
class CsvRow:
    """One data row as read: the file line it starts on and its raw fields (``problem`` set
    when the row is malformed as a whole)."""

    line: int
    username: str
    display_name: str
    problem: str = ""
    email: str = ""


@dataclass(frozen=True)
class CsvFile:
    """The data rows of an upload, with what was skipped or ignored."""

    rows: tuple[CsvRow, ...]
    blank_lines: int
    ignored_columns: tuple[str, ...]
    delimiter: str


def read_upload(data: bytes) -> CsvFile:
    """Decode and split an uploaded CSV; ``InputError`` says what is wrong with the file."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"The file is {len(data) / 1024 / 1024:.1f} MiB; the limit is "
            f"{MAX_BYTES // 1024 // 1024} MiB ({MAX_ROWS} rows). Split it into smaller files."
        )
    text = _decode(data)
    lines = text.splitlines(keepends=True)
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise InputError("The file is empty: it needs a header row with a 'username' column.")
    header_line = lines[header_at]
    delimiter = next((d for d in DELIMITERS if d in header_line), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        return _read(reader, delimiter, header_at)
    except csv.Error as exc:
        raise InputError(
            f"Line {reader.line_num} of the file cannot be read as CSV: {exc}."
        ) from exc


def _read(reader: Iterator[list[str]], delimiter: str, header_at: int) -> CsvFile:
    for _ in range(header_at):
        next(reader)
    header = [_column(name) for name in next(reader)]
    if USERNAME not in header:
        shown = ", ".join(repr(h) for h in header if h) or "nothing"
        raise InputError(
            f"The header row needs a 'username' column (found {shown}); 'display_name' and "
            "'email' are optional."
        )
    known = [h for h in header if h in _KNOWN]
    if len(known) != len(set(known)):
        raise InputError("The header row names the same column twice.")
    user_at = header.index(USERNAME)
    name_at = header.index(DISPLAY_NAME) if DISPLAY_NAME in header else None
    mail_at = header.index(EMAIL) if EMAIL in header else None
    ignored = tuple(h for h in header if h not in _KNOWN)
    rows: list[CsvRow] = []
    blank = 0
    line = getattr(reader, "line_num", 0)
    for fields in reader:
        start, line = line + 1, getattr(reader, "line_num", line + 1)
        if not any(field.strip() for field in fields):
            blank += 1
            continue
        if len(rows) == MAX_ROWS:
            raise InputError(
                f"The file has more than {MAX_ROWS} rows; split it into smaller files."
            )
        problem = ""
        if len(fields) > len(header):
            problem = (
                f"This row has {len(fields)} fields but the header has {len(header)}; "
                "put a display name that contains the delimiter in double quotes"
            )
        rows.append(
            CsvRow(
                line=start,
                username=_field(fields, user_at),
                display_name="" if name_at is None else _field(fields, name_at),
                problem=problem,
                email="" if mail_at is None else _field(fields, mail_at),
            )
        )
    return CsvFile(tuple(rows), blank, ignored, delimiter)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, hint = "utf-16", "UTF-16"
    else:
        encoding, hint = "utf-8-sig", "UTF-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The file is not valid {hint} text (byte {exc.start + 1} cannot be read). "
            "Save it as 'CSV UTF-8' and upload it again."
        ) from None


def _column(name: str) -> str:
    cleaned = name.strip().lstrip("\ufeff").strip().lower()
    return _ALIASES.get(cleaned, cleaned)


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


# --- the results file -------------------------------------------------------------------------


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[str]]) -> Iterator[str]:
    """``header`` and ``rows`` as CSV lines, with spreadsheet formulas defused."""
    for fields in (header, *rows):
        yield csv_line(fields)
