"""Hostile and odd input through the Accounts and Enrol pages (AppTest, the real app).

Every username in ``USERNAMES`` is typed into the Accounts form in order (later rows rely on
earlier ones for the duplicates): it is refused with the sentence of the rule it breaks, or
refused as taken, or stored exactly as the rules say and shown as typed (escaped wherever
Markdown renders). The same strings then go into the search boxes and into ``?account=``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from streamlit.testing.v1 import AppTest

from dashboard.domain.usernames import RULES, search_key
from tests.support.apptest import (
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    labelled,
    messages,
    open_page,
    texts,
)
from tests.support.console import Console

LONG = "x" * 10_000


@dataclass(frozen=True)
class Typed:
    """One input and what must come of it: ``rule`` (a key of ``RULES``), ``taken``, or
    ``stored`` (the name as it must be kept and shown)."""

    text: str
    rule: str | None = None
    stored: str | None = None
    taken: bool = False


USERNAMES: list[Typed] = [
    Typed("", rule="required"),
    Typed("     ", rule="required"),
    Typed("\t\t", rule="control"),
    Typed("a", rule="length"),
    Typed("ab", rule="length"),
    Typed(LONG, rule="length"),
    Typed("y" * 65, rule="length"),
    Typed("y" * 64, stored="y" * 64),
    Typed("bob\x00", rule="control"),
    Typed("bo\x1bb", rule="control"),
    Typed("line\nbreak", rule="control"),
    Typed("zero\u200bwidth", rule="control"),
    Typed("\ufeffbom", rule="control"),
    Typed("evil\u202egnp.exe", rule="control"),  # right-to-left override
    Typed("' OR '1'='1", rule="start"),
    Typed("robert'); DROP TABLE accounts;--", rule="characters"),
    Typed("admin--", stored="admin--"),  # an SQL comment, harmless as data
    Typed("<script>alert(1)</script>", rule="start"),
    Typed("x<img src=x onerror=alert(1)>", rule="characters"),
    Typed("**bold**", rule="start"),
    Typed("a**bold**", rule="characters"),
    Typed("[link](http://evil.example)", rule="start"),
    Typed("x#heading", rule="characters"),
    Typed("a`code`", rule="characters"),
    Typed("snake_case_name_", stored="snake_case_name_"),  # Markdown emphasis if rendered
    Typed("=cmd|' /C calc'!A0", rule="start"),  # a spreadsheet formula
    Typed("a b", rule="characters"),
    Typed("  padded  ", stored="padded"),
    Typed("Bob", stored="Bob"),
    Typed("BOB", taken=True),
    Typed("ｂｏｂ", taken=True),  # full-width: NFKC makes it bob
    Typed("Straße", stored="Straße"),
    Typed("STRASSE", taken=True),  # full case folding
    Typed("e\u0301cole", stored="école"),  # decomposed é, kept composed (NFKC)
    Typed("école", taken=True),
    Typed("pаypal", rule="scripts"),  # the second letter is Cyrillic
    Typed("😀smile", rule="start"),
    Typed("smile😀", rule="characters"),
    Typed("日本語ユーザー", stored="日本語ユーザー"),
    Typed("مستخدم", stored="مستخدم"),  # right-to-left script, allowed
    Typed("jane.doe@example.com", stored="jane.doe@example.com"),
    Typed("1234", stored="1234"),
]

#: ``?account=`` values: what the Enrol page must say (None: it opens the account).
ACCOUNT_PARAMS: list[tuple[str, str | None]] = [
    ("not-a-uuid", "is not an account id"),
    ("   ", "is not an account id"),
    ("123", "is not an account id"),
    ("' OR 1=1 --", "is not an account id"),
    ("<script>alert(1)</script>", "is not an account id"),
    ("**bold**", "is not an account id"),
    ("\x00", "is not an account id"),
    (LONG, "is not an account id"),
    ("6ba7b810-9dad-11d1-80b4-00c04fd430c8' OR 1=1", "is not an account id"),
    (str(uuid.UUID(int=0)), "There is no account"),
    (str(uuid.uuid4()), "There is no account"),
]


def create(at: AppTest, text: str) -> AppTest:
    labelled(at.text_input, "Username").input(text)
    labelled(at.button, "Create account").click()
    return at.run()


def test_hostile_usernames_are_refused_by_rule_or_stored_exactly(env: Env, seeder: Console) -> None:
    at = open_page("accounts")
    problems: list[str] = []
    for typed in USERNAMES:
        create(at, typed.text)
        assert_no_exception(at)
        assert_rendered_harmlessly(at, typed.text, typed.stored or "")
        said = messages(at)
        if typed.rule is not None:
            rule = RULES[typed.rule]
            if not (len(said) == 1 and said[0].startswith(rule)):
                problems.append(f"{typed.text[:40]!r}: expected {rule!r}, page said {said}")
        elif typed.taken:
            if not (len(said) == 1 and "is taken (usernames ignore case)" in said[0]):
                problems.append(f"{typed.text[:40]!r}: expected taken, page said {said}")
        else:
            assert typed.stored is not None
            [account] = [
                a for a in seeder.accounts.search(limit=1000) if a.reference == at.code[0].value
            ]
            if said or account.username != typed.stored:
                problems.append(f"{typed.text!r}: stored {account.username!r}, page said {said}")
            if f"Username: {typed.stored}" not in [t.value for t in at.text]:
                problems.append(f"{typed.text!r}: not shown as typed")
    assert not problems, "\n".join(problems)

    stored = sorted(t.stored for t in USERNAMES if t.stored)
    shown = at.dataframe[0].value
    assert sorted(shown["Username"]) == stored, "the table shows every stored name as stored"
    assert len(seeder.accounts.search(limit=1000)) == len(stored), "nothing else was stored"


def test_hostile_search_text_finds_only_real_matches(env: Env, seeder: Console) -> None:
    for name in ("snake_case", "plain", "100percent"):
        seeder.accounts.create(name, actor="test")
    at = open_page("accounts")
    for typed in [*USERNAMES, Typed("_"), Typed("%"), Typed("\\")]:
        labelled(at.text_input, "Search accounts").input(typed.text)
        at.run()
        assert_no_exception(at)
        assert_rendered_harmlessly(at, typed.text)
        assert not messages(at)
        names = list(at.dataframe[0].value["Username"]) if at.dataframe else []
        needle = search_key(typed.text)
        expected = [n for n in ("100percent", "plain", "snake_case") if needle in n]
        assert names == expected, (typed.text[:40], names)


def test_hostile_text_in_the_enrol_page_search_box(env: Env, seeder: Console) -> None:
    seeder.accounts.create("snake_case", actor="test")
    at = open_page("enrol")
    for typed in USERNAMES:
        labelled(at.text_input, "Find account").input(typed.text)
        at.run()
        assert_no_exception(at)
        assert_rendered_harmlessly(at, typed.text)
        assert not messages(at)


def test_odd_account_ids_in_the_enrol_page_url_get_a_clear_message(
    env: Env, seeder: Console
) -> None:
    account = seeder.accounts.create("ursula", actor="test")
    odd = [
        *ACCOUNT_PARAMS,
        (str(account.id).upper(), None),
        ("{" + str(account.id) + "}", None),
        (f"urn:uuid:{account.id}", None),
        (account.id.hex, None),
    ]
    for value, expected in odd:
        at = open_page("enrol", account=value)
        assert_no_exception(at)
        assert_rendered_harmlessly(at, value)
        said = messages(at)
        if expected is None:
            assert not said, (value, said)
            assert f"Account: ursula  ·  {account.id}" in texts(at)
        else:
            assert len(said) == 1, (value[:40], said)
            assert expected in said[0], (value[:40], said)
            assert said[0].endswith("Pick an account below instead.")
            assert len(said[0]) < 300, "a long id is cut short in the message"
            assert labelled(at.text_input, "Find account")


def test_the_input_table_is_big_enough() -> None:
    """The issue asks for at least 30 hostile or odd inputs; the README quotes the numbers."""
    assert len(USERNAMES) >= 30
    assert len(ACCOUNT_PARAMS) + 4 >= 15
