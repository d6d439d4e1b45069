"""E-mail addresses: the normal form, no DNS, and nothing that could inject a mail header or
hide what is shown."""

from __future__ import annotations

import pytest

from dashboard.domain.emails import MAX_LENGTH, normalise, normalise_or_none
from dashboard.errors import InputError


def test_the_normal_form_and_blanks() -> None:
    assert normalise("  Ann.Lee@EXAMPLE.com ") == "Ann.Lee@example.com"
    assert normalise("") is None
    assert normalise("   ") is None
    assert normalise(None) is None
    # No DNS lookup: a domain nobody registered is still an address of the right form.
    assert normalise("ann@no-such-domain.invalid-tld-here.example") is not None


@pytest.mark.parametrize(
    "value",
    [
        "ann@example.com\r\nBcc: everyone@example.com",
        "ann@example.com\nBcc: everyone@example.com",
        "ann@example.com\rX-Header: 1",
        "ann\r\n@example.com",
        "ann@exa\x00mple.com",
        "ann@example.com\u2028Bcc: x@example.com",  # a Unicode line separator
        "ann@example.com\u0085Bcc: x@example.com",  # next line (NEL)
        "ann\t@example.com",
    ],
)
def test_header_injection_is_refused(value: str) -> None:
    with pytest.raises(InputError, match="line break or another control character") as refused:
        normalise(value)
    message = str(refused.value)
    assert "\r" not in message
    assert "\n" not in message
    assert "\x00" not in message
    assert normalise_or_none(value) is None


def test_a_right_to_left_override_is_refused_and_shown_escaped() -> None:
    with pytest.raises(InputError) as refused:
        normalise("moc.elpmaxe@\u202enna")
    assert "\u202e" not in str(refused.value)
    assert "\\u202e" in str(refused.value)


def test_right_to_left_script_is_an_address_like_any_other() -> None:
    assert normalise("שלום@example.com") == "שלום@example.com"


def test_a_10000_character_address_is_refused_without_being_repeated() -> None:
    with pytest.raises(InputError, match=f"longer than {MAX_LENGTH}") as refused:
        normalise("a" * 9_988 + "@example.com")
    assert len(str(refused.value)) < 100


def test_malformed_addresses_say_why() -> None:
    for bad in ("ann@", "@example.com", "ann", "ann@@example.com", '"a b"@example.com'):
        with pytest.raises(InputError, match="is not valid"):
            normalise(bad)
