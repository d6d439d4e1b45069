"""``python -m dashboard.public_page``: the public enrolment page alone, against ``DATABASE_URL``.

It is a console process without the screens: the same settings and services (the API client,
the poller that keeps the page's statuses fresh), the page on ``PUBLIC_HOST``:``PUBLIC_PORT``.
uvicorn's access log stays off (a link's token is in its address); other uvicorn lines pass
through a filter that redacts any link first.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from dashboard.errors import ConsoleError
from dashboard.public_page.server import redact_access_log
from dashboard.services import build_services
from dashboard.settings import load_settings


def main() -> int:
    """Serve until interrupted; 2 with a sentence when the settings or the database fail."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    redact_access_log()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        services = build_services(load_settings())
    except (ConsoleError, ValueError) as exc:
        print(f"The public page could not start: {exc}", file=sys.stderr)
        return 2
    try:
        if services.public_page is None:
            print("The public page's port is taken (PUBLIC_PORT).", file=sys.stderr)
            return 2
        print(f"public enrolment page at {services.public_url}", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
