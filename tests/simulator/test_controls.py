"""The /_sim/ controls: counters, reset, revocation and who may use them."""

from __future__ import annotations

import pytest

from tests.support.simulator import ENROL, STATUS, TOKEN, Simulator, StartSimulator, new_user

CONTROL_CALLS = [
    ("GET", "/_sim/stats"),
    ("POST", "/_sim/faults"),
    ("DELETE", "/_sim/faults"),
    ("POST", "/_sim/tokens/revoke"),
    ("POST", "/_sim/reset"),
    ("GET", "/_sim/enrolments"),
    ("GET", f"/_sim/enrolments/{new_user()}"),
    ("GET", f"/_sim/devices/{new_user()}"),
    ("POST", "/_sim/users"),
]


def test_stats_count_requests_by_route_and_status(api: Simulator) -> None:
    assert api.stats() == {}
    token = api.token()
    api.request_token(client_secret="wrong")
    user = api.new_user()
    api.status(user, token)
    url = api.device_url(user)
    api.status(user, token)
    api.http.get(url)
    api.http.post(url, data={"action": "confirm"})
    api.http.get(url)
    api.fault(route="status", status=503)
    api.status(user, token)
    api.http.get(TOKEN)
    assert api.stats() == {
        f"POST {TOKEN}": {"200": 3, "401": 1},  # new_user() and device_url() fetched one too
        "POST /scim/v1/Users": {"201": 1},
        f"GET {TOKEN}": {"405": 1},
        f"POST {ENROL}": {"200": 1},
        f"GET {STATUS}": {"200": 1, "404": 1, "503": 1},
        "GET /device/enrol/{code}": {"200": 1, "410": 1},
        "POST /device/enrol/{code}": {"200": 1},
    }


def test_reset_forgets_everything(api: Simulator) -> None:
    token = api.token()
    user = api.new_user()
    api.enrol(user, token)
    api.fault(route="token", status=500)
    assert api.http.post("/_sim/reset").status_code == 204
    assert api.stats() == {}
    assert api.http.get("/_sim/enrolments").json() == []
    assert api.status(user, token).status_code == 401  # token forgotten
    assert api.request_token().status_code == 200  # fault forgotten
    assert api.status(user).status_code == 404  # enrolment forgotten


@pytest.mark.parametrize(("method", "path"), CONTROL_CALLS)
def test_controls_refused_on_a_non_loopback_host(
    start_simulator: StartSimulator, method: str, path: str
) -> None:
    sim = start_simulator(host="0.0.0.0")  # noqa: S104 - the point of the test
    assert sim.base_url.startswith("http://127.0.0.1:")
    with Simulator(sim) as api:
        response = api.http.request(method, path, json={"route": "token"})
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert api.request_token().status_code == 200  # the API itself still works


def test_controls_allowed_on_a_non_loopback_host_when_configured(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(host="0.0.0.0", allow_controls=True)  # noqa: S104
    with Simulator(sim) as api:
        assert api.http.post("/_sim/faults", json={"route": "token"}).status_code == 201
        assert api.request_token().status_code == 500


def test_controls_can_be_refused_on_loopback(start_simulator: StartSimulator) -> None:
    with Simulator(start_simulator(allow_controls=False)) as api:
        assert api.http.get("/_sim/stats").status_code == 403


def test_public_url_is_what_the_qr_encodes(start_simulator: StartSimulator) -> None:
    sim = start_simulator(public_url="http://192.0.2.10:8700/")
    assert sim.public_url == "http://192.0.2.10:8700"
    with Simulator(sim) as api:
        user = api.new_user()
        url = api.device_url(user)
        assert url.startswith("http://192.0.2.10:8700/device/enrol/")
        # The page is still served here: only the host part of the URL is for the phone.
        local = url.replace(sim.public_url, sim.base_url)
        assert api.http.get(local).status_code == 200
        assert api.status_value(user) == "SCANNED"


def test_context_manager_stops_the_server(start_simulator: StartSimulator) -> None:
    sim = start_simulator()
    with sim, Simulator(sim) as api:
        assert api.request_token().status_code == 200
    assert not sim.thread.is_alive()
    sim.stop()  # idempotent
