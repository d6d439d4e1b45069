"""Faults of the Mobile Identity API, injected through the simulator while an operator uses the
Enrol page: each shows a sentence naming the problem, no traceback, leaves the database
consistent, and once the fault clears the console recovers by itself.

Operator-side faults (token and enrol routes) hit the "Issue QR code" click while another
account's enrolment waits in the background; poller-side faults (status route) hit the
enrolment the page is watching. Faults on the token route and on status last until cleared
(the poller keeps meeting them too), like a real outage.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest

from dashboard.domain.statuses import Status
from tests.support.apptest import (
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    labelled,
    messages,
    open_page,
    run_until,
    texts,
)
from tests.support.console import Console, assert_consistent
from tests.support.phone import Phone
from tests.support.simulator import Simulator
from tests.support.waiting import wait_until

OUTAGE = 100_000  # a fault count that lasts until the test clears it
GIF = base64.b64encode(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00;").decode()
ODD_STATUS = "**Half-way** <b>there</b> [click](http://evil.example)"


@dataclass(frozen=True)
class ApiFault:
    """One row of the fault table: what the simulator does and what the page must say."""

    route: str
    spec: dict[str, Any] = field(default_factory=dict)
    says: str | None = None  # None: the client recovers by itself and the operator sees nothing
    revoke: bool = False  # revoke every token first, so the next call needs a new one


FAULTS: dict[str, ApiFault] = {
    # the token endpoint, met when the operator issues a QR code (tokens revoked first)
    "token 500": ApiFault(
        "token", {"status": 500, "count": OUTAGE}, "token endpoint failed with HTTP 500", True
    ),
    "token timeout": ApiFault(
        "token",
        {"status": 200, "delay": 1.5, "count": OUTAGE},
        "did not answer within 1 s (POST /auth/oauth2.0/v1/token)",
        True,
    ),
    "token invalid_client": ApiFault(
        "token", {"status": 401, "count": OUTAGE}, "client id or secret was refused", True
    ),
    # the enrol call
    "enrol 401 revoked token": ApiFault("enrol", revoke=True),
    "enrol 401 twice": ApiFault(
        "enrol", {"status": 401, "count": 2}, "refused a freshly issued token"
    ),
    "enrol 403 scope": ApiFault(
        "enrol",
        {"status": 403},
        "token lacks the scope credential:omi:enrol:qr:admin:post",
    ),
    "enrol 429 Retry-After": ApiFault(
        "enrol", {"status": 429, "retry_after": 1, "count": 2}, "rate-limiting the console"
    ),
    "enrol 500": ApiFault("enrol", {"status": 500, "count": 2}, "failed with HTTP 500"),
    "enrol timeout": ApiFault(
        "enrol", {"status": 200, "delay": 1.5}, "did not answer within 1 s (POST /omi/qr/enrol)"
    ),
    "enrol malformed JSON": ApiFault(
        "enrol", {"status": 200, "body": '{"qrCode": "iVBOR'}, "POST /omi/qr/enrol is not JSON"
    ),
    "enrol qrCode not a PNG": ApiFault(
        "enrol",
        {"status": 200, "json": {"qrCode": GIF, "expiresIn": 300}},
        "is not a PNG: it lacks the PNG signature",
    ),
    # the status call, met by the poller while the page watches the enrolment
    "status 404": ApiFault("status", {"status": 404, "count": OUTAGE}, "has no enrolment for"),
    "status 401": ApiFault(
        "status", {"status": 401, "count": OUTAGE}, "refused a freshly issued token"
    ),
    "status 429": ApiFault(
        "status", {"status": 429, "retry_after": 1, "count": OUTAGE}, "rate-limiting the console"
    ),
    "status 500": ApiFault("status", {"status": 500, "count": OUTAGE}, "failed with HTTP 500"),
    "status timeout": ApiFault(
        "status",
        {"status": 200, "delay": 1.5, "count": OUTAGE},
        "did not answer within 1 s (GET /omi/qr/enrol/status)",
    ),
    "status malformed JSON": ApiFault(
        "status", {"status": 200, "body": "<html>oops", "count": OUTAGE}, "is not JSON"
    ),
    "status unknown value": ApiFault(
        "status",
        {"status": 200, "json": {"status": ODD_STATUS}, "count": OUTAGE},
        f"a status the console does not know: {ODD_STATUS}",
    ),
}


def inject(api: Simulator, fault: ApiFault) -> None:
    if fault.spec:
        api.fault(fault.route, **fault.spec)
    if fault.revoke:
        api.revoke()


def says(fragment: str) -> Any:
    return lambda at: any(fragment in m for m in messages(at))


@pytest.mark.parametrize(
    "name", [n for n, f in FAULTS.items() if f.route != "status"], ids=lambda n: n
)
def test_a_fault_when_issuing_is_named_and_the_console_recovers(
    name: str, env: Env, seeder: Console, api: Simulator, phone: Phone
) -> None:
    fault = FAULTS[name]
    alice = seeder.accounts.create("alice", actor="test")
    bob = seeder.accounts.create("bob", actor="test")
    waiting = seeder.enrolments.issue(bob.id, actor="test")  # the poller keeps watching this one
    at = open_page("enrol", account=str(alice.id))
    assert_no_exception(at)

    inject(api, fault)
    labelled(at.button, "Issue QR code").click()
    at.run()

    assert_no_exception(at)
    assert_rendered_harmlessly(at, ODD_STATUS)
    views = assert_consistent(seeder)
    if fault.says is None:  # renewed the token behind the operator's back
        assert not messages(at)
        assert seeder.enrolments.active(alice.id) is not None
    else:
        assert [m for m in messages(at) if fault.says in m], messages(at)
        assert seeder.enrolments.latest(alice.id) is None, "a half-written enrolment"
        assert [v.id for v in views] == [waiting.id]

    api.clear()
    if seeder.enrolments.active(alice.id) is None:
        labelled(at.button, "Issue QR code").click()
        at.run()
        assert_no_exception(at)
        assert not messages(at)
    assert len(list(at.get("image"))) == 1
    phone.finish(alice.id, "confirm")
    run_until(at, lambda page: "The device is enrolled." in texts(page))
    phone.finish(bob.id, "confirm")
    wait_until(
        lambda: seeder.enrolments.get(waiting.id).status is Status.ENROLLED,
        what="the waiting enrolment continued after the fault",
    )
    assert_no_exception(at)
    assert_consistent(seeder)


@pytest.mark.parametrize(
    "name", [n for n, f in FAULTS.items() if f.route == "status"], ids=lambda n: n
)
def test_a_fault_when_polling_is_named_and_the_console_recovers(
    name: str, env: Env, seeder: Console, api: Simulator, phone: Phone
) -> None:
    fault = FAULTS[name]
    carol = seeder.accounts.create("carol", actor="test")
    watched = seeder.enrolments.issue(carol.id, actor="test")
    at = open_page("enrol", account=str(carol.id))
    assert_no_exception(at)

    inject(api, fault)
    assert fault.says is not None
    run_until(at, says(fault.says))

    assert_no_exception(at)
    assert_rendered_harmlessly(at, ODD_STATUS)
    assert seeder.enrolments.get(watched.id).status is Status.PENDING
    assert len(assert_consistent(seeder)) == 1

    api.clear()
    phone.finish(carol.id, "confirm")
    # The page issued nothing itself, so once finished it sums the enrolment up in a line.
    run_until(at, lambda page: "Last enrolment: Enrolled." in texts(page))
    assert not messages(at)
    labelled(at.button, "Issue QR code").click()
    at.run()
    assert_no_exception(at)
    assert not messages(at)
    assert "Waiting for the phone to scan the QR code." in texts(at)
    assert [v.status for v in assert_consistent(seeder)] == [Status.ENROLLED, Status.PENDING]


def test_the_fault_table_covers_the_issue() -> None:
    """Every fault the issue names is in the table (the README quotes its size)."""
    assert len(FAULTS) == 18
    assert len({(f.route, str(f.spec), f.revoke) for f in FAULTS.values()}) == len(FAULTS)
