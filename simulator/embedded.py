"""Run the simulator inside this process: uvicorn on a daemon thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from uuid import UUID

from simulator.api import device_url, user_key
from simulator.app import create_app
from simulator.config import SimConfig, resolve
from simulator.phone import phone_path
from simulator.state import OPEN_STATUSES, Store
from simulator.users import parse_known_user
from threaded_uvicorn import ThreadedServer, bind, local_url, serve

log = logging.getLogger("simulator")
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class RunningSimulator:
    """A started simulator: where to reach it and the credentials it accepts."""

    base_url: str
    public_url: str
    client_id: str
    client_secret: str = field(repr=False)
    config: SimConfig = field(repr=False, compare=False)
    store: Store = field(repr=False, compare=False)
    served: ThreadedServer = field(repr=False, compare=False)

    @property
    def thread(self) -> threading.Thread:
        return self.served.thread

    def device_url(self, user_id: UUID | str) -> str | None:
        """The device page of the user's current QR code while it can still be used, else None.

        For demos without a phone: the console links to the page a scan would open.
        """
        key = user_key(str(user_id), self.config)
        if key is None:
            return None
        with self.store.lock:
            enrolment = self.store.enrolments.get(key)
            if enrolment is None:
                return None
            enrolment.refresh(time.time())
            if enrolment.status not in OPEN_STATUSES:
                return None
            return device_url(self.config, enrolment.code)

    def phone_url(self, user_id: UUID | str) -> str | None:
        """The own page of the user's newest device (where pushes appear), or None when the
        user has no device: the console links to it in demos without a phone."""
        key = user_key(str(user_id), self.config)
        with self.store.lock:
            held = self.store.devices.get(key, []) if key is not None else []
            if not held:
                return None
            return f"{self.config.public_url}{phone_path(held[-1])}"

    def register_users(self, users: Iterable[tuple[str, str, str | None]]) -> int:
        """Make (id, userName, display name) users known with the ids they had, as
        ``POST /_sim/users`` does; returns how many were new. Its store lives in memory, so a
        console restarted with its simulator tells it its accounts again."""
        added = 0
        for user_id, user_name, shown in users:
            entry = {"id": user_id, "userName": user_name, "displayName": shown}
            added += self.store.register_user(parse_known_user(entry))
        return added

    def stop(self) -> None:
        """Shut the server down and wait for its thread (idempotent)."""
        self.served.stop()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start(config: SimConfig = SimConfig(), *, access_log: bool = False) -> RunningSimulator:  # noqa: B008 - frozen
    """Start a simulator on a daemon thread; returns once it accepts connections.

    ``port=0`` picks a free port. uvicorn's access log stays off unless ``access_log``.
    """
    sock = bind(config.host, config.port)
    resolved = resolve(config, bound_port=sock.getsockname()[1])
    app = create_app(resolved)
    try:
        served = serve(app, sock, name="simulator", access_log=access_log)
    except OSError as exc:
        raise RuntimeError(f"the simulator did not start on {config.host}:{resolved.port}") from exc
    url = local_url(resolved.host, resolved.port)
    assert resolved.public_url is not None
    log.info("simulator listening on %s (public URL %s)", url, resolved.public_url)
    return RunningSimulator(
        base_url=url,
        public_url=resolved.public_url,
        client_id=resolved.client_id,
        client_secret=resolved.client_secret,
        config=resolved,
        store=app.state.store,
        served=served,
    )
