"""Helpers for the Mobile Identity client's tests: the simulator's controls and the leak check."""

from __future__ import annotations

import base64
import io
import logging
import secrets
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pytest
from PIL import Image
from pydantic import SecretStr

from dashboard.errors import ApiError
from dashboard.omi.client import OmiClient
from dashboard.settings import OmiSettings
from tests.support.simulator import Simulator, StartSimulator

TOKEN = "POST /auth/oauth2.0/v1/token"
ENROL = "POST /omi/qr/enrol"
STATUS = "GET /omi/qr/enrol/status"
ENROL_SCOPE = "credential:omi:enrol:qr:admin:post"
STATUS_SCOPE = "credential:omi:enrol:status:get"
GIF = base64.b64decode("R0lGODlhAQABAAAAACwAAAAAAQABAAACAkQBADs=")
E = TypeVar("E", bound=ApiError)


class Sim(Simulator):
    """One running simulator and its ``/_sim/`` controls, with client settings for it."""

    def settings(self, **overrides: Any) -> OmiSettings:
        """Client settings for this simulator: fast backoff and short timeouts for faults."""
        values: dict[str, Any] = {
            "base_url": self.running.base_url,
            "client_id": self.running.client_id,
            "client_secret": SecretStr(self.running.client_secret),
            "timeout": 5.0,
            "max_retries": 2,
            "backoff": 0.01,
        }
        values.update(overrides)
        return OmiSettings(**values)


class Harness:
    """Starts simulators with a per-test secret and collects everything the leak check scans."""

    def __init__(self, start: StartSimulator) -> None:
        self._start = start
        self.secret = "sek-" + secrets.token_hex(20)
        self.sims: list[Sim] = []
        self.clients: list[OmiClient] = []
        self.texts: list[str] = []

    def sim(self, **config: Any) -> Sim:
        """A simulator that enrols any user id: these tests are about the Mobile Identity
        client, not the identity store (``accept_any_user=False`` where they are)."""
        defaults = {"client_secret": self.secret, "accept_any_user": True}
        sim = Sim(self._start(**{**defaults, **config}))
        self.sims.append(sim)
        return sim

    def client(self, sim: Sim, **overrides: Any) -> OmiClient:
        client = OmiClient(sim.settings(**overrides))
        self.clients.append(client)
        return client

    def raises(self, kind: type[E], call: Callable[[], object], match: str | None = None) -> E:
        """Run ``call``, expect ``kind``; keep its texts (and its chain's) for the leak check."""
        with pytest.raises(kind, match=match) as caught:
            call()
        self.note(caught.value)
        return caught.value

    def note(self, exc: BaseException | object) -> None:
        seen: set[int] = set()
        item: BaseException | None = exc if isinstance(exc, BaseException) else None
        if item is None:
            self.texts.extend([str(exc), repr(exc)])
        while item is not None and id(item) not in seen:
            seen.add(id(item))
            self.texts.extend([str(item), repr(item), *map(repr, item.args)])
            item = item.__cause__ or item.__context__

    def leaks(self, log_text: str) -> list[str]:
        """Which secrets (the harness's, the simulators', every token) appear anywhere."""
        for sim in self.sims:
            sim.close()
        self.texts.extend(repr(client) for client in self.clients)
        for client in self.clients:
            client.close()
        haystack = "\n".join([log_text, *self.texts])
        tokens = set().union(*(sim.tokens_seen for sim in self.sims))
        found = {self.secret, *(sim.running.client_secret for sim in self.sims), *tokens}
        return [
            f"{'token' if s in tokens else 'secret'} {s[:6]}…"
            for s in sorted(found)
            if s and s in haystack
        ]


def logged(records: Iterable[logging.LogRecord]) -> str:
    """Every record's message and every attribute (extras such as stamina's), as text."""
    return "\n".join(f"{r.getMessage()} {vars(r)!r}" for r in records)


def enrolled_user(client: OmiClient) -> str:
    user = str(uuid.uuid4())
    client.enrol(user)
    return user


def png_b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def real_png() -> bytes:
    image = Image.new("1", (8, 8))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def in_threads(count: int, call: Callable[[], object]) -> list[object]:
    """Run ``call`` in ``count`` threads released at once; return results (or errors)."""
    barrier = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == count
    return results
