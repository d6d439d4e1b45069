"""E-mail addresses of accounts (typed, from a bulk upload, or the identity store's): checked
for their form, not delivery.

An address may end up in a mail header (the invitations build on it), so anything that could
start a new header line or hide what is shown is refused outright rather than cleaned: line
breaks, NUL and every other control or format character (bidi overrides included).
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from dashboard.errors import InputError

#: The longest address kept (RFC 5321's path limit).
MAX_LENGTH = 254


def normalise(value: str | None) -> str | None:
    """The address in its normal form (domain lower-cased, IDNA), or None when blank.

    ``InputError`` says what is wrong with a malformed one, showing it escaped. No DNS
    lookup: a console on a closed network must still take addresses.
    """
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise InputError(f"The e-mail address is longer than {MAX_LENGTH} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise InputError(
            f"The e-mail address {text!r} holds a line break or another control character; "
            "an address is one line of visible characters."
        )
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InputError(f"The e-mail address {text!r} is not valid: {exc}") from None
    return str(checked.normalized)


def normalise_or_none(value: str | None) -> str | None:
    """The address normalised, or None when it is blank or refused (an identity store's
    address the console cannot keep is not worth refusing a link for)."""
    try:
        return normalise(value)
    except InputError:
        return None
