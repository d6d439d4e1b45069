"""The enrolled phone's own page, ``/device/phone/{key}``: incoming sign-in requests, live.

The page reloads itself (a meta refresh: no script, so the strict CSP stays) every second while
it waits, so a push appears by itself, as it would on a phone; while a request is shown it
reloads when the request expires. Approve and Deny POST ``action=approve|deny`` and ``push``,
then redirect back (303), so a reload never answers twice.
"""

from __future__ import annotations

import html
import logging
import math
import time

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from simulator.device import page
from simulator.devices import ANSWERS, Device, Push, answer, waiting_for
from simulator.state import Store

log = logging.getLogger("simulator")
PHONE_PATH = "/device/phone/{key}"
#: Seconds between two looks for a new request while none is shown.
IDLE_REFRESH = 1
DONE = {
    "approved": "You approved the sign-in request.",
    "denied": "You denied the sign-in request.",
    "gone": "That request was no longer open: it expired or was answered.",
}


def phone_path(device: Device) -> str:
    """The path of ``device``'s own page."""
    return f"/device/phone/{device.key}"


def find_device(store: Store, key: str) -> Device | None:
    """The device whose page ``key`` names (the caller holds ``store.lock``)."""
    for held in store.devices.values():
        for device in held:
            if device.key == key:
                return device
    return None


def _gone() -> HTMLResponse:
    text = "This device is no longer enrolled for any account. Enrol it again to use it."
    return page("Device removed", f"<p>{html.escape(text)}</p>", 410)


def _request(device: Device, push: Push, now: float) -> HTMLResponse:
    account = html.escape(device.user_id[:8])
    body = (
        f"<p>A sign-in request for account <strong>{account}…</strong> on "
        f"<strong>{html.escape(device.name)}</strong>:</p>"
        f"<p id='push-message'>{html.escape(push.message)}</p>"
        "<p class='muted'>Approve only if you are signing in right now.</p>"
        "<form method='post'>"
        f"<input type='hidden' name='push' value='{html.escape(push.id)}'>"
        "<div class='actions'>"
        "<button class='decline' name='action' value='deny'>Deny</button>"
        "<button class='confirm' name='action' value='approve'>Approve</button>"
        "</div></form>"
    )
    seconds = max(1, math.ceil(push.expires_at - now) + 1)
    return page("Sign-in request", body, refresh=f"{seconds};url={phone_path(device)}")


def _idle(device: Device, done: str | None) -> HTMLResponse:
    said = f"<p id='push-done'>{html.escape(DONE[done])}</p>" if done in DONE else ""
    account = html.escape(device.user_id[:8])
    body = (
        f"{said}<p>{html.escape(device.name)} ({html.escape(device.platform)}) is enrolled "
        f"for account <strong>{account}…</strong>.</p>"
        "<p class='muted'>Sign-in requests appear here by themselves.</p>"
    )
    return page("No sign-in requests", body, refresh=str(IDLE_REFRESH))


async def phone_page(request: Request) -> Response:
    """GET shows the oldest open request to this device, or that there is none; POST answers."""
    store: Store = request.app.state.store
    key = request.path_params["key"]
    if request.method == "GET":
        with store.lock:
            device = find_device(store, key)
            if device is None:
                return _gone()
            push = waiting_for(store.pushes, device, now := time.time())
            if push is not None:
                return _request(device, push, now)
            return _idle(device, request.query_params.get("done"))
    try:
        async with request.form() as form:
            action, push_id = form.get("action"), form.get("push")
    except Exception:  # a broken body from the phone is its problem, never our 500
        return page("Bad request", "<p>The form could not be read.</p>", 400)
    if action not in ANSWERS or not isinstance(push_id, str):
        return page("Bad request", "<p>Choose Approve or Deny.</p>", 400)
    with store.lock:
        device = find_device(store, key)
        if device is None:
            return _gone()
        push = store.pushes.get(push_id)
        answered = push is not None and answer(push, device, str(action), time.time())
        user_id = device.user_id
    if not answered:
        return RedirectResponse(f"{phone_path(device)}?done=gone", status_code=303)
    log.info("push %s by a device of user %s", ANSWERS[str(action)].lower(), user_id)
    done = "approved" if action == "approve" else "denied"
    return RedirectResponse(f"{phone_path(device)}?done={done}", status_code=303)
