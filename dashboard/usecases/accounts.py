"""Accounts: create one (rules in ``dashboard.domain.usernames``), get one, search them.

Each call opens its own short session, so one ``Accounts`` serves every thread of a process;
SQLAlchemy errors come out as the console's own (``dashboard.usecases.transactions``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import usernames
from dashboard.domain.clock import utc_now
from dashboard.domain.records import AccountView
from dashboard.domain.statuses import Status
from dashboard.errors import ConflictError, NotFoundError
from dashboard.usecases import inputs
from dashboard.usecases.transactions import reading, writing
from db import accounts as queries
from db.models import Account

#: The most rows one call returns.
MAX_PAGE = 1000


class Accounts:
    """The account use-cases; one per process, safe to share between threads."""

    def __init__(
        self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def create(self, username: str, *, actor: str, display_name: str | None = None) -> AccountView:
        """Create an account; ``InputError`` names the rule a bad name broke, ``ConflictError``
        says the name (compared case-insensitively) is taken. ``display_name`` is optional."""
        name, key = usernames.normalise(username)
        shown = usernames.display_name(display_name)
        who = inputs.actor(actor)
        taken = f"The username {name!r} is taken (usernames ignore case)."
        with writing(self._sessions, taken) as session:
            if queries.find_account(session, key) is not None:
                raise ConflictError(taken)
            account = queries.add_account(
                session,
                Account(
                    id=uuid.uuid4(),
                    username=name,
                    username_key=key,
                    created_at=self._clock(),
                    created_by=who,
                    display_name=shown,
                ),
            )
        return _view(account, None)

    def get(self, account_id: uuid.UUID | str) -> AccountView:
        """The account; a malformed id is an ``InputError``, an unknown one ``NotFoundError``."""
        ident = inputs.account_id(account_id)
        with reading(self._sessions) as session:
            account = queries.get_account(session, ident)
            if account is None:
                raise NotFoundError(f"There is no account {ident}.")
            return _view(account, queries.latest_enrolment_of(session, ident))

    def search(self, text: str = "", limit: int = 200) -> list[AccountView]:
        """Accounts whose name contains ``text`` (ignoring case), in name order."""
        needle = usernames.search_key(text or "")
        with reading(self._sessions) as session:
            rows = queries.search_accounts(session, needle, max(1, min(limit, MAX_PAGE)))
        return [
            _view(
                row.account,
                None
                if row.latest_enrolment_id is None or row.latest_status is None
                else (row.latest_enrolment_id, row.latest_status),
            )
            for row in rows
        ]


def _view(account: Account, latest: tuple[int, str] | None) -> AccountView:
    return AccountView(
        id=account.id,
        username=account.username,
        created_at=account.created_at,
        created_by=account.created_by,
        latest_status=None if latest is None else Status(latest[1]),
        latest_enrolment_id=None if latest is None else latest[0],
    )
