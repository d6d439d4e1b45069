"""An ASGI app served by uvicorn on a daemon thread of this process, on a socket of its own so
that port 0 picks a free port: how the embedded simulator and the public enrolment page run
beside the console. Imports nothing of the project."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.types import ASGIApp

log = logging.getLogger(__name__)
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class ThreadedServer:
    """A started server: its port, the uvicorn server and the thread it runs on."""

    name: str
    port: int
    server: uvicorn.Server = field(repr=False, compare=False)
    thread: threading.Thread = field(repr=False, compare=False)

    def stop(self) -> None:
        """Shut the server down and wait for its thread (idempotent)."""
        self.server.should_exit = True
        if self.thread is not threading.current_thread():
            self.thread.join(STOP_TIMEOUT)
            if self.thread.is_alive():
                log.warning("%s on port %d did not stop in time", self.name, self.port)


def local_url(host: str, port: int) -> str:
    """``http://host:port`` as a client on this machine reaches a server bound to ``host``
    (a wildcard address becomes loopback; IPv6 literals are bracketed)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - recognising the wildcard, not binding to it
        host = "::1" if host == "::" else "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port); ``OSError`` if taken."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(
    app: ASGIApp,
    sock: socket.socket,
    *,
    name: str,
    access_log: bool = False,
    server_header: bool = True,
) -> ThreadedServer:
    """Serve ``app`` on the bound ``sock`` from a daemon thread named ``name``; returns once it
    accepts connections. ``OSError`` when it does not start."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=access_log,
        server_header=server_header,
        ws="none",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    port = int(sock.getsockname()[1])
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise OSError(f"the {name} did not start on port {port}")
        time.sleep(0.005)
    return ThreadedServer(name, port, server, thread)
