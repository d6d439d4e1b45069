"""The rules of an invitation by e-mail: its link's token, the token's hash, the reminder
schedule, the languages a mail can be written in, and an invitation's state.

A token is 256 random bits (``secrets.token_urlsafe(32)``, 43 URL-safe characters); only its
SHA-256 is stored. A plain hash is enough for a secret that long: nobody can guess a preimage,
so a slow password hash would only slow the public page.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

TOKEN_BYTES = 32
#: What a token looks like: anything else is refused before the database is asked.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
LANGUAGES = {"en": "English", "nl": "Nederlands"}
DEFAULT_LANGUAGE = "en"
_STEP = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class InvitationState(StrEnum):
    """Where an invitation is, for the queue and the timeline."""

    INVITED = "INVITED"  # sent, not opened yet
    OPENED = "OPENED"  # the person opened the link
    ENROLLED = "ENROLLED"  # used: the person enrolled through it
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"  # a newer invitation replaced it


#: The ``outcome`` column's values: how an invitation ended, if it did.
OUTCOMES = (InvitationState.ENROLLED, InvitationState.REVOKED, InvitationState.SUPERSEDED)


def new_token() -> str:
    """A fresh link token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The stored form of ``token``: its SHA-256, hex."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(text: str) -> bool:
    """Whether ``text`` has a token's form (a malformed link is refused without a lookup)."""
    return TOKEN_PATTERN.fullmatch(text) is not None


def state(
    *, outcome: str | None, opened_at: datetime | None, expires_at: datetime, now: datetime
) -> InvitationState:
    """The state of an invitation with these fields at ``now``."""
    if outcome is not None:
        return InvitationState(outcome)
    if now >= expires_at:
        return InvitationState.EXPIRED
    return InvitationState.OPENED if opened_at is not None else InvitationState.INVITED


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """A reminder schedule such as ``2d,10d`` (days, hours or minutes after the invitation was
    sent), in increasing order; blank means no reminders. ``ValueError`` says what is wrong."""
    steps = []
    for item in text.replace(" ", "").split(","):
        if not item:
            continue
        match = _STEP.fullmatch(item)
        if match is None:
            raise ValueError(f"must be steps like 2d,10d (d, h or m), got {item!r}")
        steps.append(timedelta(**{_UNITS[match[2]]: int(match[1])}))
    if any(later <= earlier for earlier, later in pairwise(steps)):
        raise ValueError("must list its steps in increasing order")
    if any(step <= timedelta(0) for step in steps):
        raise ValueError("must have steps longer than zero")
    return tuple(steps)


def language_or_default(code: str | None) -> str:
    """``code`` if mails can be written in it, else the default language."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE
