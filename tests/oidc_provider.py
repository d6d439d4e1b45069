"""A minimal OpenID Connect provider on loopback, for signing in to a real console in tests.

It speaks just enough of OIDC for Streamlit's ``st.login`` (authlib's Starlette client):
discovery, an authorization endpoint that approves ``provider.user`` at once (no login form),
a token endpoint that checks the client's credentials, the code, the redirect URI and PKCE,
and answers with an RS256 ID token carrying the nonce; the signing keys; userinfo; and an
end-session endpoint for ``st.logout``. Codes are single use and live a minute.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator.embedded import bind

CODE_TTL = 60.0


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    claims: dict[str, Any]
    expires: float


@dataclass
class OidcProvider:
    """The provider; ``user`` holds the claims of whoever signs in next."""

    client_id: str = "enrolment-console"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    user: dict[str, Any] = field(default_factory=dict)
    issuer: str = ""
    sign_ins: int = 0
    _key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}),
        repr=False,
    )
    _grants: dict[str, _Grant] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def metadata_url(self) -> str:
        """The discovery document's URL (``server_metadata_url`` in ``[auth]``)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> OidcProvider:
        """Serve on a free loopback port in a daemon thread; returns once it listens."""
        sock = bind("127.0.0.1", 0)
        self.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.app(), lifespan="off", log_config=None, access_log=False, ws="none"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="oidc", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            assert time.monotonic() < deadline, "the OIDC provider did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)

    def app(self) -> Starlette:
        """The provider's endpoints as a Starlette app."""
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/jwks", self._jwks),
                Route("/userinfo", self._userinfo),
                Route("/logout", self._logout),
            ]
        )

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _authorize(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        redirect_uri = query.get("redirect_uri") or ""
        if "openid" not in (query.get("scope") or "").split():
            return _redirect(redirect_uri, error="invalid_scope", state=query.get("state"))
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            return _redirect(redirect_uri, error="invalid_request", state=query.get("state"))
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                nonce=query.get("nonce"),
                challenge=query.get("code_challenge"),
                claims=dict(self.user),
                expires=time.time() + CODE_TTL,
            )
        return _redirect(redirect_uri, code=code, state=query.get("state"))

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        client_id, client_secret = _client_credentials(request, form)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        with self._lock:
            grant = self._grants.pop(str(form.get("code") or ""), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.expires < time.time()
            or grant.redirect_uri != form.get("redirect_uri")
            or not _pkce_ok(grant.challenge, form.get("code_verifier"))
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "sub": str(grant.claims.get("email", "anonymous")),
            **grant.claims,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self._key)
        self.sign_ins += 1
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 600,
                "scope": "openid email profile",
                "id_token": id_token,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self._key.as_dict(private=False, alg="RS256", use="sig")]})

    async def _userinfo(self, request: Request) -> Response:
        return JSONResponse({"sub": str(self.user.get("email", "anonymous")), **self.user})

    async def _logout(self, request: Request) -> Response:
        target = request.query_params.get("post_logout_redirect_uri")
        if request.query_params.get("client_id") != self.client_id or not target:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        return RedirectResponse(target, status_code=302)


def _redirect(uri: str, **params: str | None) -> Response:
    query = urlencode({key: value for key, value in params.items() if value is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302)


def _client_credentials(request: Request, form: Any) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode()
        client_id, _, client_secret = decoded.partition(":")
        # RFC 6749 2.3.1: both halves are form-encoded before they are joined.
        return unquote_plus(client_id), unquote_plus(client_secret)
    return str(form.get("client_id") or ""), str(form.get("client_secret") or "")


def _pkce_ok(challenge: str | None, verifier: object) -> bool:
    if challenge is None:
        return True
    if not isinstance(verifier, str):
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
