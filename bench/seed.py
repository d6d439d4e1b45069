"""Fill a database with N realistic enrolments, fast: ``python -m bench.seed --rows 1000000``.

Accounts first (one for every two enrolments), then enrolments, both as SQLAlchemy Core
``executemany`` inserts in batches. Issue times spread over the past year and grow with the id,
like a real table; statuses follow a plausible mix (mostly enrolled, a fifth expired, a few
declined, cancelled, superseded or failed). Every seeded enrolment is finished, so a console
started on the file has nothing to poll. The schema comes from the migrations, indexes included.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from dashboard.domain import usernames
from db.engine import create_engine_for, upgrade
from db.models import Account, Enrolment

BATCH = 20_000
DAYS = 365
QR_LIFETIME = timedelta(minutes=5)
#: (status, weight): the mix of finished enrolments.
STATUS_MIX = (
    ("ENROLLED", 62),
    ("EXPIRED", 20),
    ("SUPERSEDED", 8),
    ("DECLINED", 4),
    ("CANCELLED", 4),
    ("FAILED", 2),
)
FIRST = (
    "anna", "ben", "chloe", "daan", "emma", "finn", "greta", "hugo", "ines", "jan", "kim",
    "lars", "mila", "noah", "olga", "piet", "quinn", "rosa", "sam", "tess", "uma", "vince",
    "wout", "xena", "yara", "zoe",
)  # fmt: skip
LAST = (
    "de.vries", "jansen", "bakker", "visser", "smit", "meijer", "mulder", "bos", "vos",
    "peters", "hendriks", "dekker", "brouwer", "dijkstra", "smits", "martin", "garcia",
    "muller", "rossi", "novak", "kowalski", "silva", "nielsen", "murphy", "walsh",
)  # fmt: skip
DOMAINS = ("example.com", "example.org", "corp.example", "mail.example.net")
DEVICES = ("iPhone 15", "iPhone 13", "Pixel 8", "Galaxy S23", "Galaxy A54", "Fairphone 5")
OPERATORS = ("local", "ops.alice", "ops.bob", "ops.carol", "ops.dave")


def seed(database_url: str, rows: int, *, batch: int = BATCH, seed: int = 5) -> int:
    """Migrate ``database_url`` to the newest schema and add ``rows`` enrolments (with their
    accounts); returns how many enrolments the database then holds."""
    if rows < 0:
        raise ValueError("rows must be zero or more")
    engine = create_engine_for(database_url)
    try:
        upgrade(engine)
        rng = random.Random(seed)
        now = datetime.now(UTC).replace(microsecond=0)
        accounts = _accounts(engine, max(1, rows // 2) if rows else 0, rng, now, batch)
        _insert(engine, Enrolment, _enrolments(rows, accounts, rng, now), batch)
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Enrolment)) or 0)
    finally:
        engine.dispose()


def _accounts(
    engine: Engine, count: int, rng: random.Random, now: datetime, batch: int
) -> list[uuid.UUID]:
    # Fresh ids and a fresh name tag even with the same seed: a second seeding adds accounts.
    ids = [uuid.uuid4() for _ in range(count)]
    tag = uuid.uuid4().hex[:6]

    def rows() -> Iterator[dict[str, Any]]:
        for number, ident in enumerate(ids):
            name = f"{rng.choice(FIRST)}.{rng.choice(LAST)}.{tag}{number}@{rng.choice(DOMAINS)}"
            yield {
                "id": ident,
                "username": name,
                "username_key": usernames.key(name),
                "created_at": now - timedelta(days=DAYS + 1),
                "created_by": rng.choice(OPERATORS),
            }

    _insert(engine, Account, rows(), batch)
    return ids


def _enrolments(
    count: int, accounts: list[uuid.UUID], rng: random.Random, now: datetime
) -> Iterator[dict[str, Any]]:
    statuses = [status for status, _ in STATUS_MIX]
    weights = [weight for _, weight in STATUS_MIX]
    start = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / max(count, 1)
    for number in range(count):
        issued = start + step * number + timedelta(seconds=rng.random() * 30)
        status = rng.choices(statuses, weights)[0]
        expires = issued + QR_LIFETIME
        if status == "ENROLLED":
            finished = issued + timedelta(seconds=min(290.0, rng.lognormvariate(3.4, 0.6)))
        elif status == "EXPIRED":
            finished = expires
        else:
            finished = issued + timedelta(seconds=rng.uniform(5, 290))
        yield {
            "account_id": rng.choice(accounts),
            "status": status,
            "api_status": None if status in ("CANCELLED", "SUPERSEDED") else status,
            "issued_at": issued,
            "expires_at": expires,
            "finished_at": finished,
            "updated_at": finished,
            "device_name": rng.choice(DEVICES) if status == "ENROLLED" else None,
            "last_error": None,
            "issued_by": rng.choice(OPERATORS),
            "qr_png": None,
            "next_poll_at": None,
            "poll_failures": 0,
            "last_polled_at": finished,
        }


def _insert(
    engine: Engine,
    model: type[Account] | type[Enrolment],
    rows: Iterator[dict[str, Any]],
    size: int,
) -> None:
    statement = insert(model.__table__)  # type: ignore[arg-type]
    chunk: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                connection.execute(statement, chunk)
                chunk = []
        if chunk:
            connection.execute(statement, chunk)


def main(argv: list[str] | None = None) -> int:
    """The command line: seed, then print how many rows and how fast."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=int, required=True, help="how many enrolments to add")
    parser.add_argument(
        "--database-url", required=True, help="e.g. sqlite:///bench/results/db/seed-1000000.db"
    )
    parser.add_argument("--seed", type=int, default=5, help="random seed (default 5)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    total = seed(args.database_url, args.rows, seed=args.seed)
    took = time.perf_counter() - started
    print(f"added {args.rows:,} enrolments in {took:.1f} s; the database holds {total:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
