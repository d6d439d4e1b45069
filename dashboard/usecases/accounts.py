"""Accounts: create one (on the tenant's identity store first), find and link tenant users,
get one, search them.

With an identity store (``SCIM_VERSION`` 1.1 or 2.0) an account is a user of the tenant: the
store's id is kept in ``tenant_id`` exactly as given, and enrol and status calls send it.
Without one (``off``) accounts are local rows, as before, and the API is sent their UUID.

Never two users for one person:

* a create whose answer is lost is settled by the identity-store client's lookup;
* a taken userName is ``IdentityStoreConflict`` ("exists on the tenant: link it?"), carrying
  the holder, so the page offers to link it;
* a console that failed between the tenant's 201 and its own insert repairs itself on the next
  attempt: the same lookup finds the user it made, unlinked and with exactly the display name
  and e-mail asked for (at least one of them given), and links it instead of reporting a
  conflict. A bare username says too little: the operator is offered the link.

Each call opens its own short session, so one ``Accounts`` serves every thread of a process;
SQLAlchemy errors come out as the console's own (``dashboard.usecases.transactions``). Nothing
is written locally before the tenant has answered.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from dashboard.domain import emails, usernames
from dashboard.domain.clock import utc_now
from dashboard.domain.records import AccountView
from dashboard.domain.statuses import Status
from dashboard.domain.tenant import TenantMatch, TenantUser
from dashboard.errors import (
    ConfigError,
    ConflictError,
    IdentityStoreConflict,
    InputError,
    NotFoundError,
)
from dashboard.omi.scim import ScimClient
from dashboard.usecases import inputs, linking
from dashboard.usecases.transactions import reading, writing
from db import accounts as queries
from db.models import Account

log = logging.getLogger(__name__)

_LOCK_STRIPES = 64
#: The most rows one call returns.
MAX_PAGE = 1000
#: The most tenant users one search returns.
MAX_MATCHES = 100
OFF = (
    "The console keeps its accounts locally (SCIM_VERSION=off): there is no identity store "
    "to search or link; set SCIM_VERSION to 1.1 or 2.0."
)


class Accounts:
    """The account use-cases; one per process, safe to share between threads.

    ``store`` is the tenant's identity store, or None for local-only accounts.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        store: ScimClient | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._clock = clock
        # Creates of one name are serialised within the process, so a second one meets the
        # first's row ("taken") rather than the tenant's 409 for a user still being recorded.
        self._create_locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    @property
    def on_tenant(self) -> bool:
        """Whether accounts are created and found on the tenant's identity store."""
        return self._store is not None

    def create(
        self,
        username: str,
        *,
        actor: str,
        display_name: str | None = None,
        email: str | None = None,
    ) -> AccountView:
        """Create an account: the tenant's user first (userName, display name as ``name``,
        e-mail as ``emails``), then the local row with the tenant's id.

        ``InputError`` names the rule a bad name or e-mail broke; ``ConflictError`` says the
        name (compared case-insensitively) is taken in the console; ``IdentityStoreConflict``
        says the tenant already holds it (link it instead). The e-mail is kept in the console
        too, with an identity store or without.
        """
        name, key = usernames.normalise(username)
        shown = usernames.display_name(display_name)
        mail = emails.normalise(email)
        who = inputs.actor(actor)
        with self._create_locks[hash(key) % _LOCK_STRIPES]:
            self._not_taken(name, key)
            user = None if self._store is None else self._on_tenant(name, shown, mail)
            return self._insert(name, key, shown, mail, user, who)

    def find_on_tenant(
        self, text: str, *, exact: bool = True, limit: int = MAX_MATCHES
    ) -> list[TenantMatch]:
        """Tenant users whose userName equals (or, ``exact=False``, starts with) ``text``,
        each with the console account it is linked to, if any."""
        store = self._require_store()
        needle = (text or "").strip()
        if not needle:
            raise InputError("Type a username (or its beginning) to search the tenant for.")
        users = store.find(needle, exact=exact, limit=max(1, min(limit, MAX_MATCHES)))
        keys = {u.id: linking.key_or_none(u.user_name) for u in users}
        with reading(self._sessions) as session:
            linked = queries.linked_tenant_ids(session, [u.id for u in users])
            named = queries.accounts_by_keys(session, [k for k in keys.values() if k])
        matches = []
        for user in users:
            if user.id in linked:
                matches.append(TenantMatch(user, linked[user.id].id, linked=True))
                continue
            same = named.get(keys[user.id] or "")
            unlinked = same if same is not None and same.tenant_id is None else None
            matches.append(TenantMatch(user, None if unlinked is None else unlinked.id))
        return matches

    def tenant_user(self, username: str) -> TenantUser | None:
        """The tenant's user with exactly ``username`` (ignoring case), if the store holds one."""
        wanted = username.casefold()
        users = self._require_store().find(username, exact=True, limit=10)
        return next((u for u in users if u.user_name.casefold() == wanted), None)

    def link(self, tenant_id: str, *, actor: str) -> AccountView:
        """Add the tenant's user ``tenant_id`` to the console without creating anything.

        An unlinked console account with the same username (one made before, or with SCIM
        off) is linked; an account already linked to this user is returned as it is.
        ``ConflictError`` when the username belongs to an account linked to another user.
        """
        store = self._require_store()
        who = inputs.actor(actor)
        if not (tenant_id or "").strip():
            raise InputError("Say which tenant user to link: the id is empty.")
        return self._link(store.get(tenant_id), who)  # the id exactly as the tenant gave it

    def create_on_tenant(self, account_id: uuid.UUID | str, *, actor: str) -> AccountView:
        """Create the tenant's user for a console account the tenant does not know (one made
        before the console used the identity store) and link it; ``IdentityStoreConflict``
        when the tenant holds the name already (link that user instead)."""
        self._require_store()
        inputs.actor(actor)
        account = self.get(account_id)
        if account.tenant_id is not None:
            return account
        user = self._on_tenant(account.username, account.display_name, account.email, new=False)
        with writing(self._sessions, linking.linked_elsewhere(user)) as session:
            row = queries.get_account(session, account.id, lock=True)
            if row is None:
                raise NotFoundError(f"There is no account {account.id}.")
            row.tenant_id = user.id
            session.flush()
            return _view(row, queries.latest_enrolment_of(session, row.id))

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

    def references(self) -> list[tuple[str, str, str | None]]:
        """(the user id the API knows, username, display name) of every account, oldest
        first: what a restarted demo simulator is told again."""
        with reading(self._sessions) as session:
            rows = queries.all_accounts(session)
            return [(a.reference, a.username, a.display_name) for a in rows]

    # --- the steps ------------------------------------------------------------------------

    def _require_store(self) -> ScimClient:
        if self._store is None:
            raise ConfigError(OFF)
        return self._store

    def _not_taken(self, name: str, key: str) -> None:
        with reading(self._sessions) as session:
            if queries.find_account(session, key) is not None:
                raise ConflictError(f"The username {name!r} is taken (usernames ignore case).")

    def _on_tenant(
        self, name: str, shown: str | None, mail: str | None, *, new: bool = True
    ) -> TenantUser:
        """The tenant's new user; or, when the name is taken by the user an earlier attempt of
        ours made (unlinked, same name and e-mail), that user."""
        store = self._require_store()
        try:
            return store.create(name, shown, mail)
        except IdentityStoreConflict as exc:
            if new:
                self._not_taken(name, usernames.key(name))  # taken in the console meanwhile?
            holder = exc.existing
            # Ours only if it carries exactly the name and e-mail asked for; a bare username
            # says too little, so the operator is offered the link instead.
            if holder is None or not (shown or mail) or not holder.made_as_asked(name, shown, mail):
                raise
            with reading(self._sessions) as session:
                if queries.find_by_tenant_id(session, holder.id) is not None:
                    raise
            log.info("tenant user %r exists unlinked as asked; linking it", holder.user_name)
            return holder

    def _insert(
        self,
        name: str,
        key: str,
        shown: str | None,
        mail: str | None,
        user: TenantUser | None,
        who: str,
    ) -> AccountView:
        taken = f"The username {name!r} is taken (usernames ignore case)."
        if user is not None:
            linking.check_id(user)
        with writing(self._sessions, taken) as session:
            if queries.find_account(session, key) is not None:
                raise ConflictError(taken)
            if user is not None and queries.find_by_tenant_id(session, user.id) is not None:
                raise ConflictError(linking.linked_elsewhere(user))
            account = queries.add_account(
                session,
                Account(
                    id=uuid.uuid4(),
                    username=name,
                    username_key=key,
                    created_at=self._clock(),
                    created_by=who,
                    display_name=shown,
                    tenant_id=None if user is None else user.id,
                    email=mail,
                ),
            )
            return _view(account, None)

    def _link(self, user: TenantUser, who: str) -> AccountView:
        with writing(self._sessions, linking.linked_elsewhere(user)) as session:
            account = linking.link_row(session, user, who, self._clock())
            return _view(account, queries.latest_enrolment_of(session, account.id))


def _view(account: Account, latest: tuple[int, str] | None) -> AccountView:
    return AccountView(
        id=account.id,
        username=account.username,
        created_at=account.created_at,
        created_by=account.created_by,
        latest_status=None if latest is None else Status(latest[1]),
        latest_enrolment_id=None if latest is None else latest[0],
        tenant_id=account.tenant_id,
        display_name=account.display_name,
        email=account.email,
    )
