"""Where an idle console process spends its CPU: ``python -m bench.idle``.

Builds the services on their embedded defaults (simulator, a fresh SQLite file, no tabs), then
measures the process's CPU over ``--seconds`` with everything running, after stopping the mailer,
and after stopping the poller: what each background thread costs when nothing happens.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from dashboard.services import build_services
from dashboard.settings import load_settings


def share_of_a_core(seconds: float) -> float:
    """This process's CPU over the next ``seconds``, in % of one core."""
    before, started = os.times(), time.monotonic()
    time.sleep(seconds)
    after, wall = os.times(), time.monotonic() - started
    used = (after.user + after.system) - (before.user + before.system)
    return 100 * used / wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="bench-idle-")
    env = {"DATABASE_URL": f"sqlite:///{folder}/console.db", "PUBLIC_PORT": "0"}
    services = build_services(load_settings(env, None))
    try:
        time.sleep(3)  # start-up settles
        print(f"everything running: {share_of_a_core(args.seconds):.1f} % of a core")
        services.mailer.stop()
        print(f"mailer stopped:     {share_of_a_core(args.seconds):.1f} % of a core")
        services.poller.stop()
        print(f"poller stopped:     {share_of_a_core(args.seconds):.1f} % of a core")
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
