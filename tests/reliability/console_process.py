"""A console process without the web server: the services of one console (its poller above
all), built exactly as ``streamlit run`` builds them, running until it is killed.

``python -m tests.reliability.console_process`` reads the same settings as the console and
prints ``ready`` once the poller runs. The restart tests kill it with SIGKILL.
"""

from __future__ import annotations

import logging
import sys
import time

from dashboard.services import build_services
from dashboard.settings import load_settings


def main() -> None:
    """Build the services, say so, and wait to be killed."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(name)s %(message)s"
    )
    services = build_services(load_settings())
    print(f"ready: poller running={services.poller.running}", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
