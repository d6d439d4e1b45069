"""E-mail addresses an operator types for a new account: checked for their form, not delivery."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from dashboard.errors import InputError

#: The longest address kept (RFC 5321's path limit).
MAX_LENGTH = 254


def normalise(value: str | None) -> str | None:
    """The address in its normal form (domain lower-cased, IDNA), or None when blank.

    ``InputError`` says what is wrong with a malformed one. No DNS lookup: a console on a
    closed network must still take addresses.
    """
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise InputError(f"The e-mail address is longer than {MAX_LENGTH} characters.")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InputError(f"The e-mail address {text!r} is not valid: {exc}") from None
    return str(checked.normalized)
