"""Reading an uploaded team CSV: encodings, delimiters, limits, blank lines, malformed rows."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from dashboard.domain.team_csv import MAX_BYTES, MAX_ROWS, csv_lines, read_upload
from dashboard.errors import InputError


def names(data: bytes) -> list[tuple[int, str, str]]:
    return [(r.line, r.username, r.display_name) for r in read_upload(data).rows]


def test_username_and_display_name_with_the_file_line_numbers() -> None:
    data = b"username,display_name\nalice,Alice A\nbob,\n"
    assert names(data) == [(2, "alice", "Alice A"), (3, "bob", "")]


def test_display_name_is_optional_and_other_columns_are_ignored() -> None:
    upload = read_upload(b"Email,UserName,Team\nx@example.com,carol,Sales\n")
    assert [(r.username, r.display_name, r.email) for r in upload.rows] == [
        ("carol", "", "x@example.com")
    ]
    assert upload.ignored_columns == ("team",)


def test_the_email_column_is_optional_and_has_an_alias() -> None:
    upload = read_upload(b"username;E-Mail\nann;ann@example.com\nbob;\n")
    assert [(r.username, r.email) for r in upload.rows] == [("ann", "ann@example.com"), ("bob", "")]
    assert [r.email for r in read_upload(b"username\nann\n").rows] == [""]
    with pytest.raises(InputError, match="same column twice"):
        read_upload(b"username,email,e-mail\nann,a@example.com,b@example.com\n")


def test_header_aliases_and_case() -> None:
    assert names(b"USERNAME;Display Name\ndave;Dave D\n") == [(2, "dave", "Dave D")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_found_in_the_header(delimiter: str) -> None:
    data = f"username{delimiter}display_name\nerin{delimiter}Erin, E.\n".encode()
    upload = read_upload(data)
    assert upload.delimiter == delimiter
    expected = "Erin, E." if delimiter != "," else "Erin"
    assert upload.rows[0].display_name == expected


def test_a_one_column_file_needs_no_delimiter() -> None:
    assert names(b"username\nfrank\ngina\n") == [(2, "frank", ""), (3, "gina", "")]


def test_utf8_byte_order_mark_is_dropped() -> None:
    data = codecs.BOM_UTF8 + "username,display_name\nhanna,Hänna\n".encode()
    assert names(data) == [(2, "hanna", "Hänna")]


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    data = "username\tdisplay_name\r\nивaн\tИван\r\n".encode("utf-16")
    assert names(data) == [(2, "ивaн", "Иван")]


def test_a_legacy_encoding_is_refused_with_the_position() -> None:
    data = "username\nrené\n".encode("cp1252")
    with pytest.raises(InputError, match=r"not valid UTF-8 text \(byte 13 .*CSV UTF-8"):
        read_upload(data)


def test_blank_lines_are_skipped_and_counted() -> None:
    upload = read_upload(b"\n\nusername\n\nivan\n,\n  \njane\n")
    assert [(r.line, r.username) for r in upload.rows] == [(5, "ivan"), (8, "jane")]
    assert upload.blank_lines == 3


def test_quoted_fields_spanning_lines_keep_the_line_numbers_right() -> None:
    data = b'username,display_name\nkim,"Kim\nSecond line"\nlee,Lee\n'
    assert names(data) == [(2, "kim", "Kim\nSecond line"), (4, "lee", "Lee")]


def test_a_row_with_more_fields_than_the_header_is_marked() -> None:
    rows = read_upload(b"username,display_name\nmia,Doe, Mia\nned,Ned\n").rows
    assert "3 fields but the header has 2" in rows[0].problem
    assert rows[1].problem == ""


def test_missing_username_column() -> None:
    with pytest.raises(InputError, match=r"needs a 'username' column .*'user'"):
        read_upload(b"user,display_name\nx,y\n")


def test_empty_file() -> None:
    with pytest.raises(InputError, match="empty"):
        read_upload(b"\n \n")


def test_the_same_column_twice() -> None:
    with pytest.raises(InputError, match="same column twice"):
        read_upload(b"username,Username\na,b\n")


def test_size_limit() -> None:
    with pytest.raises(InputError, match="limit is 2 MiB"):
        read_upload(b"username\n" + b"a" * MAX_BYTES)


def test_row_limit() -> None:
    body = "".join(f"user{i}\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(InputError, match=f"more than {MAX_ROWS} rows"):
        read_upload(f"username\n{body}".encode())
    assert len(read_upload(f"username\n{body}".encode().rsplit(b"user", 1)[0]).rows) == MAX_ROWS


def test_broken_quoting_names_the_line() -> None:
    with pytest.raises(InputError, match="Line 3 of the file cannot be read"):
        read_upload(b'username,display_name\nok,fine\nbad,"unterminated" text\n')


def test_results_csv_defuses_formulas() -> None:
    text = "".join(csv_lines(("a", "b"), [("=1+2", "plain"), ("@x", "-3")]))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=1+2", "plain"], ["'@x", "'-3"]]
