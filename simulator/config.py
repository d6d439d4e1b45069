"""The simulator's settings: one frozen value, resolved once the listening port is known."""

from __future__ import annotations

import dataclasses
import ipaddress
import secrets
from dataclasses import dataclass, field

from threaded_uvicorn import local_url

ENROL_SCOPE = "credential:omi:enrol:qr:admin:post"
STATUS_SCOPE = "credential:omi:enrol:status:get"
DEVICES_SCOPE = "credential:omi:devices:get"
PUSH_SCOPE = "credential:omi:push-notification:post"
PUSH_DEVICE_SCOPE = "credential:omi:push-notification:device:post"
PUSH_STATUS_SCOPE = "credential:omi:push-notification:status:get"
DEVICE_SCOPES = (DEVICES_SCOPE, PUSH_SCOPE, PUSH_DEVICE_SCOPE, PUSH_STATUS_SCOPE)
SCIM_POST_SCOPE = "SCIM:user:post"
SCIM_GET_SCOPE = "SCIM:user:get"
SCIM_QUERY_SCOPE = "SCIM:user:query"
SCIM_SCOPES = (SCIM_POST_SCOPE, SCIM_GET_SCOPE, SCIM_QUERY_SCOPE)


@dataclass(frozen=True)
class SimConfig:
    """How a simulator listens, whom it accepts and how long its tokens, QR codes and pushes
    live.

    ``port=0`` picks a free port; ``client_secret=""`` generates a random one;
    ``public_url=None`` means the base URL the simulator is reached on; ``allow_controls=None``
    opens the ``/_sim/`` routes only when ``host`` is a loopback address;
    ``accept_any_user`` lets enrol and status take a user id the SCIM store does not hold.
    """

    host: str = "127.0.0.1"
    port: int = 0
    public_url: str | None = None
    client_id: str = "demo-console"
    client_secret: str = field(default="", repr=False)
    qr_ttl: float = 300.0
    token_ttl: float = 3600.0
    push_ttl: float = 60.0
    allowed_scopes: tuple[str, ...] = (ENROL_SCOPE, STATUS_SCOPE, *DEVICE_SCOPES, *SCIM_SCOPES)
    allow_controls: bool | None = None
    # As a tenant: enrol and status refuse a user the SCIM store does not hold.
    accept_any_user: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        if self.qr_ttl <= 0:
            raise ValueError(f"qr_ttl must be positive, got {self.qr_ttl}")
        if self.push_ttl <= 0:
            raise ValueError(f"push_ttl must be positive, got {self.push_ttl}")
        if self.token_ttl <= 0:
            raise ValueError(f"token_ttl must be positive, got {self.token_ttl}")
        if not self.client_id:
            raise ValueError("client_id must not be empty")

    @property
    def controls_allowed(self) -> bool:
        """Whether the ``/_sim/`` control routes answer (otherwise they refuse with 403)."""
        if self.allow_controls is not None:
            return self.allow_controls
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve(config: SimConfig, bound_port: int | None = None) -> SimConfig:
    """Fill in what ``config`` left open: the bound port, the public URL and the secret."""
    port = bound_port if bound_port is not None else config.port
    public_url = config.public_url or local_url(config.host, port)
    return dataclasses.replace(
        config,
        port=port,
        public_url=public_url.rstrip("/"),
        client_secret=config.client_secret or secrets.token_urlsafe(32),
    )
