"""The enrolled phone's own page over plain HTTP: what it shows, how it reloads itself, its form,
and the embedding's and command line's push settings."""

from __future__ import annotations

import re

import pytest

from simulator.__main__ import parse_args
from simulator.config import SimConfig
from tests.support.phone import Phone
from tests.support.simulator import Simulator, StartSimulator


def refresh_of(html: str) -> str:
    """The ``content`` of the page's meta refresh ('' when it has none)."""
    match = re.search(r"<meta http-equiv='refresh' content='([^']*)'>", html)
    return match.group(1) if match else ""


def test_the_confirm_page_links_to_the_phones_own_page(api: Simulator) -> None:
    user = api.new_user()
    done = api.http.post(api.device_url(user), data={"action": "confirm"})
    [phone] = api.phones(user)
    path = phone["phoneUrl"].removeprefix(api.running.public_url)
    assert f"href='{path}'" in done.text
    assert phone["id"] not in phone["phoneUrl"], "the device id shown to operators is no key"
    assert len(path.rsplit("/", 1)[1]) >= 32  # 192 random bits, url-safe base64


def test_an_idle_page_looks_again_every_second(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    phone.enrol(user, "Ada's <Pixel>")
    page = api.http.get(phone.phone_url(user))
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "No sign-in requests" in page.text
    assert "Ada&#x27;s &lt;Pixel&gt;" in page.text
    assert "<Pixel>" not in page.text
    assert refresh_of(page.text) == "1"


def test_a_request_shows_escaped_with_approve_and_deny(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    phone.enrol(user)
    url = phone.phone_url(user)
    push_id = api.push(user, message="<b>Payroll</b>?").json()["pushId"]
    page = api.http.get(url)
    assert "Sign-in request" in page.text
    assert "&lt;b&gt;Payroll&lt;/b&gt;?" in page.text
    assert f"value='{push_id}'" in page.text
    assert "value='approve'" in page.text
    assert "value='deny'" in page.text
    seconds, _, target = refresh_of(page.text).partition(";url=")
    assert 1 <= int(seconds) <= 61  # at the request's expiry (SIM_PUSH_TTL 60 s)
    assert url.endswith(target)


def test_bad_answers_are_bad_requests_and_change_nothing(api: Simulator, phone: Phone) -> None:
    user = api.new_user()
    phone.enrol(user)
    url = phone.phone_url(user)
    push_id = api.push_id(user)
    for data in ({"action": "maybe", "push": push_id}, {"action": "approve"}):
        response = api.http.post(url, data=data)
        assert response.status_code == 400
    files = {"push": ("x.bin", b"\x00" * 10, "application/octet-stream")}
    assert api.http.post(url, data={"action": "approve"}, files=files).status_code == 400
    unknown = api.http.post(url, data={"action": "approve", "push": "push-nobody-sent"})
    assert unknown.headers["location"].endswith("done=gone")
    assert api.push_state(push_id) == "PENDING"


def test_an_unknown_phone_page_is_gone(api: Simulator) -> None:
    response = api.http.get("/device/phone/not-a-key")
    assert response.status_code == 410
    assert "Device removed" in response.text
    post = api.http.post("/device/phone/not-a-key", data={"action": "approve", "push": "p"})
    assert post.status_code == 410


def test_the_embedded_simulator_names_the_newest_phone(start_simulator: StartSimulator) -> None:
    running = start_simulator(accept_any_user=True)
    with Simulator(running) as api:
        user = "8f4b1d3c-2a6e-4f5b-9c0d-1e2f3a4b5c6d"
        assert running.phone_url(user) is None
        assert running.phone_url("not a uuid") is None
        phone = Phone(api)
        phone.enrol(user, "Old")
        newest = phone.enrol(user, "New")
        assert running.phone_url(user.replace("-", "").upper()) == phone.phone_url(user, newest)


def test_push_ttl_is_a_setting_of_the_simulator() -> None:
    assert SimConfig().push_ttl == 60.0
    assert parse_args(["--push-ttl", "5"]).push_ttl == 5.0
    with pytest.raises(ValueError, match="push_ttl must be positive"):
        SimConfig(push_ttl=0)
