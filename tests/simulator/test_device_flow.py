"""Acting as the phone: scan (open the QR's URL), confirm or decline, expiry, superseding."""

from __future__ import annotations

import uuid

from tests.support.simulator import Simulator, StartSimulator
from tests.support.waiting import wait_until


def test_scan_then_confirm_enrols(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    assert api.status_value(user) == "PENDING"

    page = api.http.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Confirm" in page.text
    assert "Decline" in page.text
    assert api.status_value(user) == "SCANNED"

    done = api.http.post(url, data={"action": "confirm", "device_name": "Ada's <Pixel>"})
    assert done.status_code == 200
    assert "enrolled" in done.text
    status = api.status(user).json()
    assert status["status"] == "ENROLLED"
    assert status["deviceName"] == "Ada's <Pixel>"


def test_opening_the_page_again_keeps_it_scanned(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    assert api.http.get(url).status_code == 200
    assert api.http.get(url).status_code == 200
    assert api.status_value(user) == "SCANNED"


def test_confirm_without_a_name_uses_the_default(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    api.http.get(url)
    assert api.http.post(url, data={"action": "confirm", "device_name": "  "}).status_code == 200
    assert api.status(user).json()["deviceName"] == "Simulated phone"


def test_decline(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    api.http.get(url)
    assert api.http.post(url, data={"action": "decline"}).status_code == 200
    status = api.status(user).json()
    assert status["status"] == "DECLINED"
    assert "deviceName" not in status


def test_a_used_code_cannot_be_reused(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    assert api.http.post(url, data={"action": "confirm"}).status_code == 200
    again = api.http.get(url)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert api.http.post(url, data={"action": "decline"}).status_code == 410
    assert api.status_value(user) == "ENROLLED"


def test_unknown_code(api: Simulator) -> None:
    response = api.http.get(f"{api.running.base_url}/device/enrol/no-such-code")
    assert response.status_code == 404
    assert "not valid" in response.text
    assert api.http.post(
        f"{api.running.base_url}/device/enrol/x", data={"action": "confirm"}
    ).is_error


def test_a_bad_action_leaves_the_code_usable(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    assert api.http.post(url, data={"action": "maybe"}).status_code == 400
    assert api.http.post(url, content=b"\xff", headers={"Content-Type": "text/plain"}).is_error
    assert api.status_value(user) == "PENDING"
    assert api.http.post(url, data={"action": "decline"}).status_code == 200


def test_the_qr_code_expires(start_simulator: StartSimulator) -> None:
    with Simulator(start_simulator(qr_ttl=0.5)) as api:
        pending, scanned = api.new_user(), api.new_user()
        pending_url = api.device_url(pending)
        scanned_url = api.device_url(scanned)
        assert api.enrol(api.new_user()).json()["expiresIn"] == 1
        api.http.get(scanned_url)
        wait_until(lambda: api.status_value(pending) == "EXPIRED")
        wait_until(lambda: api.status_value(scanned) == "EXPIRED")
        page = api.http.get(pending_url)
        assert page.status_code == 410
        assert "expired" in page.text
        assert api.http.post(scanned_url, data={"action": "confirm"}).status_code == 410
        assert api.status_value(scanned) == "EXPIRED"


def test_finished_enrolments_do_not_expire(start_simulator: StartSimulator) -> None:
    with Simulator(start_simulator(qr_ttl=0.5)) as api:
        user = api.new_user()
        url = api.device_url(user)
        assert api.http.post(url, data={"action": "confirm"}).status_code == 200
        other = api.new_user()
        api.device_url(other)
        wait_until(lambda: api.status_value(other) == "EXPIRED")
        assert api.status_value(user) == "ENROLLED"


def test_re_enrolling_supersedes(api: Simulator) -> None:
    user = api.new_user()
    old_url = api.device_url(user)
    api.http.get(old_url)
    assert api.status_value(user) == "SCANNED"
    new_url = api.device_url(user)
    assert new_url != old_url
    assert api.status_value(user) == "PENDING"

    dead = api.http.get(old_url)
    assert dead.status_code == 410
    assert "newer QR code" in dead.text
    assert api.http.post(old_url, data={"action": "confirm"}).status_code == 410
    assert api.status_value(user) == "PENDING"

    assert api.http.post(new_url, data={"action": "confirm"}).status_code == 200
    assert api.status_value(user) == "ENROLLED"


def test_re_enrolling_after_success_starts_over(api: Simulator) -> None:
    user = api.new_user()
    api.http.post(api.device_url(user), data={"action": "confirm"})
    assert api.status_value(user) == "ENROLLED"
    api.device_url(user)
    status = api.status(user).json()
    assert status == {"status": "PENDING", "updatedAt": status["updatedAt"]}


def test_the_page_escapes_and_is_mobile_friendly(api: Simulator) -> None:
    page = api.http.get(api.device_url(api.new_user()))
    assert "width=device-width" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in page.text


def test_sim_enrolment_lookup_acts_as_the_phone(api: Simulator) -> None:
    user = str(uuid.UUID(api.new_user()))  # the store's 32 hex, in the canonical dashed form
    qr_url = api.device_url(user)
    found = api.http.get(f"/_sim/enrolments/{user.replace('-', '')}")
    assert found.status_code == 200
    body = found.json()
    assert body["userId"] == user
    assert body["status"] == "PENDING"
    assert body["deviceUrl"] == qr_url
    assert set(body) == {"userId", "status", "deviceUrl", "expiresAt", "updatedAt"}
    assert api.running.device_url(user) == qr_url
    listing = api.http.get("/_sim/enrolments").json()
    assert [e["userId"] for e in listing] == [user]
    api.http.post(qr_url, data={"action": "confirm"})
    assert api.http.get(f"/_sim/enrolments/{user}").json()["status"] == "ENROLLED"
    assert api.running.device_url(user) is None
    assert api.http.get(f"/_sim/enrolments/{api.new_user()}").status_code == 404
    assert api.http.get("/_sim/enrolments/nonsense").status_code == 400


def test_multipart_with_a_file_is_a_bad_request(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    response = api.http.post(url, files={"action": ("a.txt", b"confirm", "text/plain")})
    assert response.status_code == 400
    assert api.status_value(user) == "PENDING"
