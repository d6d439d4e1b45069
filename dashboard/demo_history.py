"""``python -m dashboard.demo_history`` (``make demo``): fill the console's database with a demo
history, in demo mode only.

It uses the console's own settings (``DATABASE_URL``; refused when ``OMI_BASE_URL`` names a
tenant) and exits non-zero with the reason when it refuses. Today's live QR codes are left out
here: a code lives in the simulator of the console that issued it, and this command's would
stop with it; the System page's button, in a running console, issues them too. The console
tells its simulator the new accounts when it starts.
"""

from __future__ import annotations

import argparse
import sys

from dashboard.domain.demo_cast import DEFAULT_SEED
from dashboard.errors import ConfigError, ConsoleError
from dashboard.settings import load_settings
from dashboard.usecases.database import Database
from dashboard.usecases.demo_history import ONLY_DEMO, DemoHistory, rules_from


def main(argv: list[str] | None = None) -> int:
    """Fill, print what was filled (or why not); 0 on success, 2 when refused."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.demo_history", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the history's seed")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        if settings.omi is not None:  # before the tenant's database is even opened
            raise ConfigError(ONLY_DEMO)
        database = Database.open(settings.database_url)
        try:
            history = DemoHistory(database.sessions, demo_mode=True, rules=rules_from(settings))
            filled = history.fill(seed=args.seed, pending=0)
        finally:
            database.close()
    except ConsoleError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 2
    print(
        f"{filled.sentence()} Database: {settings.database_url}. Start the console with make run."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
