"""Campaigns: named batches of enrolments (bulk onboarding), their members and progress.

``Campaigns(sessions)`` opens (creates or finds) a campaign by name, lists campaigns, tells which
accounts of a list already exist, and reads a campaign's members, progress and printable QR
codes. A member's standing is its newest enrolment in the campaign. Each call opens its own short
session; SQLAlchemy errors become the console's own (``dashboard.usecases.transactions``).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain.clock import utc_now
from dashboard.domain.records import CampaignProgress, CampaignView, ExistingAccount, QrSheet
from dashboard.domain.statuses import Status
from dashboard.domain.usernames import INVISIBLE_CATEGORIES
from dashboard.errors import ConflictError, InputError, NotFoundError
from dashboard.usecases import inputs
from dashboard.usecases.transactions import reading, writing
from db import campaigns as queries
from db.campaigns import Member
from db.models import CAMPAIGN_NAME_LENGTH, Campaign

__all__ = ["CampaignProgress", "CampaignView", "Campaigns", "ExistingAccount", "Member", "QrSheet"]

_KNOWN = frozenset(s.value for s in Status)


class Campaigns:
    """The campaign use-cases; one per process, safe to share between threads."""

    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def open(self, name: str, *, actor: str) -> CampaignView:
        """The campaign called ``name``, created if there is none (running a batch again under
        the same name resumes it)."""
        shown = campaign_name(name)
        who = inputs.actor(actor)
        found = self.find(shown)
        if found is not None:
            return found
        try:
            with self._write(f"The campaign {shown!r} was created at the same moment.") as s:
                row = queries.add_campaign(
                    s, Campaign(name=shown, created_at=self._clock(), created_by=who)
                )
                return _view(row)
        except ConflictError:
            # Someone created it in between: use theirs.
            again = self.find(shown)
            if again is None:
                raise
            return again

    def find(self, name: str) -> CampaignView | None:
        """The campaign called ``name`` (after trimming), or None."""
        shown = unicodedata.normalize("NFKC", name or "").strip()
        if not shown:
            return None
        with self._read() as session:
            row = queries.find_campaign(session, shown)
            return None if row is None else _view(row)

    def get(self, campaign_id: int) -> CampaignView:
        """The campaign, or ``NotFoundError``."""
        with self._read() as session:
            row = queries.get_campaign(session, int(campaign_id))
            if row is None:
                raise NotFoundError(f"There is no campaign #{campaign_id}.")
            return _view(row)

    def all(self) -> list[CampaignView]:
        """Every campaign, newest first."""
        with self._read() as session:
            return [_view(row) for row in queries.list_campaigns(session)]

    def existing_accounts(self, keys: Collection[str]) -> dict[str, ExistingAccount]:
        """The accounts among username ``keys`` (see ``usernames.key``) that exist, by key."""
        with self._read() as session:
            found = queries.accounts_by_key(session, keys)
            return {k: ExistingAccount(a.id, a.username) for k, a in found.items()}

    def members(self, campaign_id: int) -> dict[uuid.UUID, Member]:
        """The campaign's members with their newest campaign enrolment, by account id."""
        with self._read() as session:
            return {m.account_id: m for m in queries.members(session, int(campaign_id))}

    def progress(self, campaign_id: int) -> CampaignProgress:
        """Where the campaign's people stand."""
        campaign = self.get(campaign_id)
        with self._read() as session:
            by_status, issued = queries.member_counts(session, campaign.id)
        counts = {Status(s): n for s, n in by_status.items() if s in _KNOWN}
        return CampaignProgress(campaign, sum(by_status.values()), issued, counts)

    def qr_sheets(self, campaign_id: int) -> list[QrSheet]:
        """The campaign's active, unexpired QR codes, by username (for printing)."""
        with self._read() as session:
            rows = queries.qr_sheets(session, int(campaign_id), self._clock())
        return [
            QrSheet(r.username, r.display_name, r.expires_at, r.png, r.account_id) for r in rows
        ]

    def _read(self) -> AbstractContextManager[Session]:
        return reading(self._sessions)

    def _write(self, conflict: str) -> AbstractContextManager[Session]:
        return writing(self._sessions, conflict)


def campaign_name(raw: str) -> str:
    """A campaign name as stored (NFKC, trimmed); ``InputError`` when empty, too long or
    holding control or invisible characters."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise InputError("Name the campaign (for example 'Sales team, March').")
    if len(text) > CAMPAIGN_NAME_LENGTH:
        raise InputError(f"A campaign name may be at most {CAMPAIGN_NAME_LENGTH} characters.")
    if any(unicodedata.category(c) in INVISIBLE_CATEGORIES for c in text):
        raise InputError("A campaign name must not contain control or invisible characters.")
    return text


def _view(row: Campaign) -> CampaignView:
    return CampaignView(row.id, row.name, row.created_at, row.created_by)
