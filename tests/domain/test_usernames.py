"""The username rules against a table of good and bad inputs."""

from __future__ import annotations

import pytest

from dashboard.domain import usernames
from dashboard.domain.usernames import RULES
from dashboard.errors import InputError

GOOD = [
    ("alice", "alice", "alice"),
    ("  Bob.Smith  ", "Bob.Smith", "bob.smith"),
    ("j_doe-01@site", "j_doe-01@site", "j_doe-01@site"),
    ("ＡＬＩＣＥ", "ALICE", "alice"),  # full-width letters fold to ASCII (NFKC)
    ("ﬁnn", "finn", "finn"),  # the ligature becomes two letters
    ("Straße", "Straße", "strasse"),
    ("Zoë", "Zoë", "zoë"),
    ("Zoe\u0308", "Zoë", "zoë"),  # combining diaeresis composes
    ("δοκιμή", "δοκιμή", "δοκιμή"),
    ("иван", "иван", "иван"),
    ("山田太郎", "山田太郎", "山田太郎"),
    ("やまだ_タロウ", "やまだ_タロウ", "やまだ_タロウ"),
    ("123", "123", "123"),
    ("a" * 64, "a" * 64, "a" * 64),
    ("\u3000kim\u3000", "kim", "kim"),  # ideographic spaces trimmed
]

BAD = [
    ("", "required"),
    ("   ", "required"),
    ("\u3000\u00a0", "required"),
    ("ab", "length"),
    ("a" * 65, "length"),
    ("x" * 10_000, "length"),
    ("ali\x00ce", "control"),
    ("alice\n", "control"),
    ("\talice", "control"),
    ("ali\u200bce", "control"),  # zero-width space
    ("ali\u200dce", "control"),  # zero-width joiner
    ("admin\u202egnp.exe", "control"),  # right-to-left override
    ("ali\x7fce", "control"),
    ("\ue000priv", "control"),  # private use
    ("john smith", "characters"),
    ("'; DROP TABLE accounts; --", "start"),
    ("bob'; DROP TABLE accounts; --", "characters"),
    ("x' OR '1'='1", "characters"),
    ("<script>alert(1)</script>", "start"),
    ("bob<b>", "characters"),
    ("a&amp;b", "characters"),
    ("alice😀", "characters"),
    ("😀😀😀", "start"),
    ("bob#1", "characters"),
    ("a/b/c", "characters"),
    ("_alice", "start"),
    (".alice", "start"),
    ("-alice", "start"),
    ("=cmd|calc", "start"),
    ("@admin", "start"),
    ("pаypal", "scripts"),  # Cyrillic а among Latin letters
    ("Ωmega", "scripts"),
    ("ΑΒΓabc", "scripts"),
]


@pytest.mark.parametrize(("raw", "shown", "key"), GOOD)
def test_good_names(raw: str, shown: str, key: str) -> None:
    assert usernames.normalise(raw) == (shown, key)


@pytest.mark.parametrize(("raw", "rule"), BAD)
def test_bad_names_name_the_rule(raw: str, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        usernames.normalise(raw)
    assert str(caught.value).startswith(RULES[rule])
    assert len(str(caught.value)) < 300  # never echoes a huge input


def test_not_a_string_is_required() -> None:
    with pytest.raises(InputError, match="required"):
        usernames.normalise(None)  # type: ignore[arg-type]


def test_look_alikes_share_a_key() -> None:
    keys = {usernames.normalise(n)[1] for n in ("Alice", "ALICE", "ａｌｉｃｅ", " alice ")}
    assert keys == {"alice"}


def test_search_key_matches_stored_keys() -> None:
    assert usernames.search_key(" ＢＯＢ ") == usernames.normalise("bob")[1]
