"""panva's ``oidc-provider`` (npm, OpenID-certified) as a test peer: install it, start it, stop it.

``node_modules()`` runs ``npm ci`` from the committed lock when ``node_modules`` is missing or
was installed from another lock, and skips (or fails under ``REQUIRE_NODE=1``) without Node.js
and npm, or with a Node.js too old for oidc-provider 9.
``start(config, workdir)`` writes ``config`` as JSON and runs ``provider.mjs`` on a free
loopback port. The keys it reads:

``clients``           oidc-provider client metadata (``client_id``, ``client_secret``, ...)
``scopes``            the custom scopes it knows; it drops others from a request silently
``token_ttl``         client-credentials token lifetime per client id, seconds (default 600)
``resource_servers``  resource indicator → ``{"scope", "accessTokenFormat": "jwt"|"opaque"}``
``default_resource``  client id → the resource its tokens are for (the console sends none)
``api``               ``{"path", "scope", "audience"}``: a resource route checking tokens
``accounts``          account id (the ``sub``) → claims (``email``, ``name``, ``groups``)
``sign_in_as``        the account the headless login picks unless ``login_hint`` names one
"""

from __future__ import annotations

import functools
import hashlib
import json
import selectors
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from dashboard.settings import DEFAULT_SCOPES
from tests.support.required import skip_or_fail

#: The npm project: its lock, provider.mjs and (untracked) node_modules.
HERE = Path(__file__).resolve().parents[1] / "oidc"
LOCK = HERE / "package-lock.json"
#: Written after a successful ``npm ci``: the hash of the lock it installed.
STAMP = HERE / "node_modules" / ".installed-lock.sha256"
#: oidc-provider 9 calls ``crypto.hash``, new in Node 20.12 (Debian 12's nodejs is 18).
MIN_NODE = (20, 12)


@functools.cache
def node_modules() -> Path:
    """``tests/oidc/node_modules`` as the lock pins it (``npm ci`` when missing or stale)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            skip_or_fail(
                f"{tool} not found; apt-get install nodejs npm to test against oidc-provider",
                "REQUIRE_NODE",
            )
    version = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip()
    if tuple(int(part) for part in version.lstrip("v").split(".")[:2]) < MIN_NODE:
        skip_or_fail(
            f"Node.js {version} is too old for oidc-provider 9 (needs "
            f"{'.'.join(map(str, MIN_NODE))} or later)",
            "REQUIRE_NODE",
        )
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
        STAMP.write_text(digest)
    return HERE / "node_modules"


@dataclass
class RunningProvider:
    """A provider process; ``issuer`` is its base URL, ``log`` its stderr."""

    issuer: str
    process: subprocess.Popen[str]
    log: Path

    @property
    def metadata_url(self) -> str:
        """The discovery document (``server_metadata_url`` in Streamlit's ``[auth]``)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    def stats(self) -> dict[str, Any]:
        """``{"tokens": {client_id: count}, "sign_ins": count}`` since the provider started."""
        response = httpx2.get(f"{self.issuer}/_test/stats", trust_env=False)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def tokens_issued(self, client_id: str) -> int:
        """How many client-credentials tokens ``client_id`` was given."""
        return int(self.stats()["tokens"].get(client_id, 0))

    def sign_in_as(self, account: str) -> None:
        """The account the next headless login picks."""
        response = httpx2.post(
            f"{self.issuer}/_test/sign-in-as", params={"account": account}, trust_env=False
        )
        response.raise_for_status()

    def stop(self) -> None:
        """Terminate the process and wait for it."""
        _stop(self.process)


def start(config: dict[str, Any], workdir: Path) -> RunningProvider:
    """Run ``provider.mjs`` with ``config``; return once its discovery document answers."""
    modules = node_modules()
    config_file = workdir / "oidc-provider.json"
    config_file.write_text(json.dumps(config))
    log = workdir / "oidc-provider.log"
    with log.open("w") as stderr:
        # stderr goes to a file: Node 20 warns that oidc-provider wants 22, and that is all.
        process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), str(config_file)],
            cwd=modules.parent,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        issuer = _issuer(process, log)
        running = RunningProvider(issuer, process, log)
        _wait_for_discovery(running)
    except BaseException:
        _stop(process)
        raise
    return running


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _issuer(process: subprocess.Popen[str], log: Path) -> str:
    assert process.stdout is not None
    line = ""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 30
        while not line and time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=0.5):
                line = process.stdout.readline()
    assert line, f"oidc-provider did not start:\n{log.read_text()}"
    return str(json.loads(line)["issuer"])


def _wait_for_discovery(running: RunningProvider) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx2.get(running.metadata_url, trust_env=False, timeout=2)
            if response.status_code == 200 and response.json()["issuer"] == running.issuer:
                return
        except httpx2.TransportError:
            pass
        assert time.monotonic() < deadline, f"no discovery document:\n{running.log.read_text()}"
        time.sleep(0.05)


# --- the client-credentials suite's provider ----------------------------------------------

#: What the console's client asks for by default, as the provider's scopes.
ENROL, STATUS = DEFAULT_SCOPES
#: Known to the provider but granted to no client: asking for it is invalid_scope.
AUDIT = "credential:omi:audit:get"
#: The Mobile Identity API as a resource server (RFC 8707 resource indicators).
API = "https://omi.test/"
#: Secrets as generated secrets look, with RFC 6749 §2.3.1's reserved characters.
SECRETS = {"plain": "plainSecret0123456789", "reserved": "a+b/c%d:e=f&g h+/%:=&"}
SHORT_TTL = 2

METHODS = ("client_secret_post", "client_secret_basic")


def client_id(kind: str, method: str) -> str:
    """The client registered for secret ``kind`` and auth ``method``."""
    return f"{kind}-{method.removeprefix('client_secret_')}"


def registered(
    client_id: str, secret: str, method: str = "client_secret_post"
) -> dict[str, object]:
    """oidc-provider metadata of a client-credentials client with both console scopes."""
    return {
        "client_id": client_id,
        "client_secret": secret,
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
        "token_endpoint_auth_method": method,
        "scope": f"{ENROL} {STATUS}",
    }


def credentials_config() -> dict[str, Any]:
    """A client per secret kind and auth method, plus ones for token formats and lifetimes;
    a status route at the simulator's path that checks the tokens."""
    clients = [
        registered(client_id(kind, method), secret, method)
        for kind, secret in SECRETS.items()
        for method in METHODS
    ]
    clients += [
        registered("short-lived", SECRETS["plain"]),
        registered("opaque-api", SECRETS["plain"]),
        registered("jwt-api", SECRETS["plain"]),
    ]
    return {
        "clients": clients,
        "scopes": [ENROL, STATUS, AUDIT],
        "token_ttl": {"short-lived": SHORT_TTL},
        "resource_servers": {
            API: {"scope": f"{ENROL} {STATUS}", "accessTokenFormat": "opaque"},
            f"{API}jwt": {"scope": f"{ENROL} {STATUS}", "accessTokenFormat": "jwt"},
        },
        "default_resource": {"opaque-api": API, "jwt-api": f"{API}jwt"},
        "api": {"path": "/omi/qr/enrol/status", "scope": STATUS, "audience": f"{API}jwt"},
    }
