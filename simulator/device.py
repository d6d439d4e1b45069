"""The phone's side: ``/device/enrol/{code}``, a tiny "authenticator" page.

Opening the page is the scan (PENDING → SCANNED); its form POSTs ``action=confirm|decline``.
A code works until the enrolment is finished, expires or is superseded. A confirm adds the
device to the user's devices and links to its own page, where pushes appear (``phone``).
"""

from __future__ import annotations

import html
import logging
import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from simulator.devices import new_device, platform_of
from simulator.state import (
    DECLINED,
    ENROLLED,
    PENDING,
    SCANNED,
    Ending,
    Enrolment,
    Store,
)

log = logging.getLogger("simulator")
DEFAULT_DEVICE_NAME = "Simulated phone"
MAX_DEVICE_NAME = 64
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
ENDINGS = {
    Ending.USED: ("Already used", "This enrolment code has already been used."),
    Ending.EXPIRED: ("Expired", "This QR code has expired. Ask for a new one."),
    Ending.SUPERSEDED: ("Replaced", "A newer QR code replaced this one. Scan the new one."),
}
STYLE = """
body{font-family:system-ui,-apple-system,sans-serif;background:#eef1f5;margin:0;padding:24px;
color:#1b2330}
main{max-width:420px;margin:0 auto;background:#fff;border-radius:16px;padding:24px;
box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 12px}p{line-height:1.45}.muted{color:#5b6575;font-size:.9rem}
label{display:block;font-size:.9rem;margin:16px 0 6px}
input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #c7cdd6;border-radius:8px;
font-size:1rem}
.actions{display:flex;gap:12px;margin-top:20px}
button{flex:1;padding:14px;border:0;border-radius:10px;font-size:1rem;font-weight:600}
.confirm{background:#1f6feb;color:#fff}.decline{background:#e5e8ed;color:#1b2330}
"""


def page(
    title: str, body_html: str, status_code: int = 200, *, refresh: str | None = None
) -> HTMLResponse:
    """A phone page; ``refresh`` is a meta-refresh ``content`` (``"1"``, ``"2;url=..."``)."""
    reload = f"<meta http-equiv='refresh' content='{html.escape(refresh)}'>" if refresh else ""
    document = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{reload}"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)} · Mobile Identity</title><style>{STYLE}</style></head>"
        f"<body><main><p class='muted'>Mobile Identity authenticator (simulated)</p>"
        f"<h1>{html.escape(title)}</h1>{body_html}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status_code, headers=HEADERS)


def _message(title: str, text: str, status_code: int) -> HTMLResponse:
    return page(title, f"<p>{html.escape(text)}</p>", status_code)


def _open_enrolment(store: Store, code: str) -> Enrolment | HTMLResponse:
    """The still-open enrolment behind ``code``, or the page saying why there is none.

    The caller holds ``store.lock``.
    """
    enrolment = store.codes.get(code)
    if enrolment is None:
        return _message("Unknown code", "This enrolment link is not valid.", 404)
    enrolment.refresh(time.time())
    ending = enrolment.ending
    if ending is None:
        return enrolment
    title, text = ENDINGS[ending]
    return _message(title, text, 410)


def _prompt(enrolment: Enrolment) -> HTMLResponse:
    account = html.escape(enrolment.user_id[:8])
    body = (
        "<p>An operator asked to enrol this phone as the authentication device of account "
        f"<strong>{account}…</strong>.</p>"
        "<p class='muted'>Confirm only if you expected this.</p>"
        "<form method='post'>"
        "<label for='device_name'>Device name</label>"
        f"<input id='device_name' name='device_name' maxlength='{MAX_DEVICE_NAME}' "
        f"value='{html.escape(DEFAULT_DEVICE_NAME)}'>"
        "<div class='actions'>"
        "<button class='decline' name='action' value='decline'>Decline</button>"
        "<button class='confirm' name='action' value='confirm'>Confirm</button>"
        "</div></form>"
    )
    return page("Enrol this device?", body)


async def device_page(request: Request) -> Response:
    """GET scans the code and shows Confirm / Decline; POST finishes the enrolment."""
    store: Store = request.app.state.store
    code = request.path_params["code"]
    if request.method == "GET":
        with store.lock:
            enrolment = _open_enrolment(store, code)
            if isinstance(enrolment, HTMLResponse):
                return enrolment
            if enrolment.status == PENDING:
                enrolment.status = SCANNED
                enrolment.updated_at = time.time()
                log.info("enrolment scanned for user %s", enrolment.user_id)
            return _prompt(enrolment)
    try:
        async with request.form() as form:  # closes any uploaded file parts
            action = form.get("action")
            raw_name = form.get("device_name")
    except Exception:  # a broken body from the phone is its problem, never our 500
        return _message("Bad request", "The form could not be read.", 400)
    name = raw_name.strip()[:MAX_DEVICE_NAME] if isinstance(raw_name, str) else ""
    if action not in ("confirm", "decline"):
        return _message("Bad request", "Choose Confirm or Decline.", 400)
    platform = platform_of(request.headers.get("user-agent", ""))
    with store.lock:
        enrolment = _open_enrolment(store, code)
        if isinstance(enrolment, HTMLResponse):
            return enrolment
        enrolment.updated_at = now = time.time()
        if action == "confirm":
            enrolment.status = ENROLLED
            enrolment.device_name = name or DEFAULT_DEVICE_NAME
            device = new_device(enrolment.user_id, enrolment.device_name, platform, now)
            store.devices.setdefault(enrolment.user_id, []).append(device)
        else:
            enrolment.status = DECLINED
        log.info("enrolment %s for user %s", enrolment.status.lower(), enrolment.user_id)
    if action == "confirm":
        link = f"<a href='/device/phone/{html.escape(device.key)}'>Open the authenticator</a>"
        body = (
            "<p>This phone is now enrolled. You may close this page.</p>"
            f"<p class='muted'>Sign-in requests to this phone appear in {link}.</p>"
        )
        return page("Device enrolled", body)
    return _message("Enrolment declined", "Nothing was enrolled. You can close this page.", 200)
