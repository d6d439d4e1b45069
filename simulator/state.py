"""The simulator's in-memory state behind one lock: tokens, enrolments, users, devices, pushes,
faults, counters.

Handlers run on uvicorn's event loop while tests and the embedding process read the same
object from other threads, so every read and write goes through ``Store.lock``. Nothing here
awaits, so holding a ``threading.Lock`` never blocks the loop for long.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.devices import Device, Push
    from simulator.users import ScimUser

PENDING, SCANNED, ENROLLED, EXPIRED, DECLINED = (
    "PENDING",
    "SCANNED",
    "ENROLLED",
    "EXPIRED",
    "DECLINED",
)
OPEN_STATUSES = frozenset({PENDING, SCANNED})


class Ending(StrEnum):
    """Why a device code no longer works, for the device page."""

    USED = "used"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


def user_key(user_id: str) -> str:
    """How user ids compare: without dashes, ignoring case (32 hex is taken either way)."""
    return user_id.replace("-", "").lower()


def rfc3339(timestamp: float) -> str:
    """A Unix time as RFC 3339 UTC with milliseconds, e.g. ``2025-01-31T12:00:00.000Z``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Token:
    """An issued access token (the value itself is the key in ``Store.tokens``)."""

    scopes: frozenset[str]
    expires_at: float


@dataclass
class Enrolment:
    """One issued QR code for one user and where it stands."""

    user_id: str
    code: str
    created_at: float
    expires_at: float
    status: str = PENDING
    updated_at: float = 0.0
    device_name: str | None = None
    superseded: bool = False
    #: When the status route was last asked about this enrolment (the newest 64, epoch
    #: seconds): the benchmarks check from it that no enrolment is polled twice in one period.
    polled_at: deque[float] = field(default_factory=lambda: deque(maxlen=64))

    def refresh(self, now: float) -> None:
        """Expire lazily: an open enrolment past its time is EXPIRED as of that time."""
        if self.status in OPEN_STATUSES and now >= self.expires_at:
            self.status = EXPIRED
            self.updated_at = self.expires_at

    @property
    def ending(self) -> Ending | None:
        """Why the device code is dead, or None while it still works."""
        if self.status in OPEN_STATUSES:
            return None
        if self.superseded:
            return Ending.SUPERSEDED
        return Ending.EXPIRED if self.status == EXPIRED else Ending.USED


@dataclass
class Fault:
    """A queued misbehaviour for the next ``remaining`` requests to one route."""

    status: int = 500
    remaining: int = 1
    delay: float = 0.0
    retry_after: int | None = None
    json: Any = None
    body: str | None = None
    after: bool = False  # answer only once the endpoint has done its work (a lost answer)

    @property
    def passes_through(self) -> bool:
        """A 200 without a body only delays: the request is then handled normally."""
        return self.status == 200 and self.json is None and self.body is None


@dataclass
class Store:
    """Everything the simulator remembers; use ``with store.lock:`` around any access."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, Token] = field(default_factory=dict)
    enrolments: dict[str, Enrolment] = field(default_factory=dict)  # by user id
    codes: dict[str, Enrolment] = field(default_factory=dict)  # by device code, incl. dead ones
    users: dict[str, ScimUser] = field(default_factory=dict)  # by user_key(id)
    devices: dict[str, list[Device]] = field(default_factory=dict)  # by user id, oldest first
    pushes: dict[str, Push] = field(default_factory=dict)  # by push id, oldest first
    faults: defaultdict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    stats: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    def issue_token(self, scopes: frozenset[str], ttl: float) -> str:
        """Store and return a new opaque token (256 random bits)."""
        value = secrets.token_urlsafe(32)
        now = time.time()
        with self.lock:
            for key in [k for k, t in self.tokens.items() if t.expires_at <= now]:
                del self.tokens[key]
            self.tokens[value] = Token(scopes=scopes, expires_at=now + ttl)
        return value

    def token_scopes(self, value: str) -> frozenset[str] | None:
        """The scopes of a live token, or None when it is unknown, expired or revoked."""
        with self.lock:
            token = self.tokens.get(value)
            if token is None:
                return None
            if token.expires_at <= time.time():
                del self.tokens[value]
                return None
            return token.scopes

    def revoke_tokens(self) -> int:
        """Forget every token; returns how many there were."""
        with self.lock:
            count = len(self.tokens)
            self.tokens.clear()
            return count

    def add_enrolment(self, enrolment: Enrolment) -> None:
        """Make ``enrolment`` the user's current one, superseding an open predecessor."""
        with self.lock:
            old = self.enrolments.get(enrolment.user_id)
            if old is not None:
                old.refresh(enrolment.created_at)
                if old.status in OPEN_STATUSES:
                    old.status = EXPIRED
                    old.superseded = True
                    old.updated_at = enrolment.created_at
            self.enrolments[enrolment.user_id] = enrolment
            self.codes[enrolment.code] = enrolment

    def add_user(self, user: ScimUser) -> ScimUser | None:
        """Store ``user``; or, when its userName is taken (ignoring case), return the holder."""
        with self.lock:
            wanted = user.user_name.casefold()
            for held in self.users.values():
                if held.user_name.casefold() == wanted:
                    return held
            self.users[user_key(user.id)] = user
            return None

    def register_user(self, user: ScimUser) -> bool:
        """Store ``user`` with the id it brings unless its id or userName is held already;
        whether it was stored (a console making its accounts known again after a restart)."""
        with self.lock:
            wanted = user.user_name.casefold()
            if user_key(user.id) in self.users or any(
                held.user_name.casefold() == wanted for held in self.users.values()
            ):
                return False
            self.users[user_key(user.id)] = user
            return True

    def get_user(self, user_id: str) -> ScimUser | None:
        """The user with ``user_id`` (dashes and case ignored), if the store holds one."""
        with self.lock:
            return self.users.get(user_key(user_id))

    def all_users(self) -> list[ScimUser]:
        """Every user, oldest first."""
        with self.lock:
            return sorted(self.users.values(), key=lambda u: u.created)

    def take_fault(self, route: str) -> Fault | None:
        """Pop one use of the first queued fault for ``route`` (FIFO), if any."""
        with self.lock:
            queue = self.faults.get(route)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault

    def count(self, key: str, status: int) -> None:
        """Count one request to ``key`` (``"METHOD /path/template"``) answered with ``status``."""
        with self.lock:
            self.stats[key][status] += 1

    def stats_snapshot(self) -> dict[str, dict[str, int]]:
        """The counters as plain JSON-ready dicts."""
        with self.lock:
            return {
                key: {str(status): n for status, n in sorted(counts.items())}
                for key, counts in sorted(self.stats.items())
            }

    def reset(self) -> None:
        """Forget tokens, enrolments, users, devices, pushes, faults and counters."""
        with self.lock:
            self.tokens.clear()
            self.enrolments.clear()
            self.codes.clear()
            self.users.clear()
            self.devices.clear()
            self.pushes.clear()
            self.faults.clear()
            self.stats.clear()
