"""``python -m simulator``: run the simulator standalone until interrupted."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from simulator.config import SimConfig
from simulator.embedded import start


def parse_args(argv: Sequence[str] | None = None) -> SimConfig:
    """The command line as a ``SimConfig``."""
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Mobile Identity API simulator."
    )
    parser.add_argument("--host", default=defaults.host, help="address to listen on")
    parser.add_argument("--port", type=int, default=8700, help="port (0 = a free one)")
    parser.add_argument("--public-url", help="base URL of the device links in the QR codes")
    parser.add_argument("--client-id", default=defaults.client_id)
    parser.add_argument(
        "--client-secret", default="", help="default: a random one, printed at start-up"
    )
    parser.add_argument("--qr-ttl", type=float, default=defaults.qr_ttl, help="seconds")
    parser.add_argument("--token-ttl", type=float, default=defaults.token_ttl, help="seconds")
    parser.add_argument("--push-ttl", type=float, default=defaults.push_ttl, help="seconds")
    parser.add_argument(
        "--allow-controls",
        action="store_true",
        default=None,
        help="serve /_sim/ controls on a non-loopback host too",
    )
    parser.add_argument(
        "--accept-any-user",
        action=argparse.BooleanOptionalAction,
        default=defaults.accept_any_user,
        help="enrol and report on any user id, not only users of the SCIM store",
    )
    args = parser.parse_args(argv)
    try:
        return SimConfig(
            host=args.host,
            port=args.port,
            public_url=args.public_url,
            client_id=args.client_id,
            client_secret=args.client_secret,
            qr_ttl=args.qr_ttl,
            token_ttl=args.token_ttl,
            push_ttl=args.push_ttl,
            allow_controls=args.allow_controls,
            accept_any_user=args.accept_any_user,
        )
    except ValueError as exc:
        parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> None:
    """Start, print where and with which client (and the secret if generated), serve until
    SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    simulator = start(config, access_log=True)
    # A secret the simulator generated is printed, as nobody could use it otherwise (a demo);
    # one given on the command line is the caller's already and stays out of the output.
    secret = simulator.client_secret if not config.client_secret else "(as given)"
    print(
        f"Mobile Identity simulator listening on {simulator.base_url} "
        f"public_url={simulator.public_url} client_id={simulator.client_id} "
        f"client_secret={secret}",
        flush=True,
    )
    with simulator:
        stop.wait()


if __name__ == "__main__":
    main()
