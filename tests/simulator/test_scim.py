"""The identity store as SCIM 1.1 (``/scim/v1/Users``), and enrol/status refusing unknown users."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx2
import pytest

from simulator.__main__ import parse_args
from tests.support.simulator import Simulator, StartSimulator

USERS = "/scim/v1/Users"
CORE = "urn:scim:schemas:core:1.0"
IWELCOME = "urn:scim:schemas:extension:iwelcome:1.0"


def user_body(user_name: str, email: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [CORE],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
    }
    if email is not None:
        body["emails"] = [{"type": "other", "value": email, "primary": True}]
    return body


def bearer(api: Simulator, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token(scope)}"}


def create(api: Simulator, user_name: str, email: str | None = None) -> httpx2.Response:
    return api.http.post(USERS, json=user_body(user_name, email), headers=bearer(api))


def query(api: Simulator, **params: Any) -> httpx2.Response:
    return api.http.get(USERS, params=params, headers=bearer(api))


def names(response: httpx2.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["userName"] for r in response.json()["Resources"]]


def assert_scim_error(response: httpx2.Response, status: int) -> None:
    assert response.status_code == status, response.text
    (error,) = response.json()["Errors"]
    assert error["code"] == str(status)
    assert isinstance(error["description"], str)


def test_create_answers_201_with_an_inactive_user(api: Simulator) -> None:
    response = create(api, "jane", "jane@example.com")
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"])
    assert response.headers["location"] == f"{api.running.base_url}{USERS}/{body['id']}"
    assert body["schemas"] == [CORE, IWELCOME]
    assert body["userName"] == "jane"
    assert body["active"] is False
    assert body["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert body["emails"] == [{"type": "other", "value": "jane@example.com", "primary": True}]
    assert body["meta"]["location"] == response.headers["location"]
    assert body["meta"]["created"].endswith("Z")
    assert body[IWELCOME] == {"state": "INACTIVE", "segment": "default"}


def test_get_by_id_with_or_without_dashes(api: Simulator) -> None:
    created = create(api, "jane").json()
    for user_id in (created["id"], str(uuid.UUID(created["id"])).upper()):
        response = api.http.get(f"{USERS}/{user_id}", headers=bearer(api))
        assert response.status_code == 200, response.text
        assert response.json() == created
    assert_scim_error(api.http.get(f"{USERS}/{uuid.uuid4().hex}", headers=bearer(api)), 404)


@pytest.mark.parametrize(
    "body",
    [{"schemas": [CORE]}, {"schemas": [CORE], "userName": " "}, {"userName": "x", "schemas": []}],
)
def test_create_refuses_a_body_without_a_username_or_the_core_schema(
    api: Simulator, body: dict[str, Any]
) -> None:
    assert_scim_error(api.http.post(USERS, json=body, headers=bearer(api)), 400)


def test_create_refuses_a_body_that_is_not_json(api: Simulator) -> None:
    headers = {**bearer(api), "Content-Type": "application/json"}
    assert_scim_error(api.http.post(USERS, content=b"{nope", headers=headers), 400)


def test_a_taken_username_is_409_ignoring_case(api: Simulator) -> None:
    assert create(api, "Jane.Doe").status_code == 201
    assert_scim_error(create(api, "jane.doe"), 409)
    assert names(query(api)) == ["Jane.Doe"]


def test_query_filters(api: Simulator) -> None:
    for name, email in [("jane", "jane@a.test"), ("janet", "janet@b.test"), ("bob", "bob@a.test")]:
        assert create(api, name, email).status_code == 201
    assert names(query(api, filter='userName eq "JANE"')) == ["jane"]
    assert names(query(api, filter='userName sw "jan"')) == ["jane", "janet"]
    assert names(query(api, filter='userName co "ne"')) == ["jane", "janet"]
    assert names(query(api, filter='emails.value co "@a.test"')) == ["jane", "bob"]
    both = 'userName sw "j" and (emails.value co "@b." or userName eq "bob")'
    assert names(query(api, filter=both)) == ["janet"]
    assert names(query(api, filter='userName eq "nobody"')) == []
    assert names(query(api)) == ["jane", "janet", "bob"]


@pytest.mark.parametrize(
    "params",
    [{"filter": "userName eq"}, {"filter": 'userName like "x"'}, {"startIndex": "one"}],
)
def test_a_bad_filter_or_paging_is_400(api: Simulator, params: dict[str, str]) -> None:
    assert_scim_error(query(api, **params), 400)


def test_paging_in_the_1_1_list_shape(api: Simulator) -> None:
    for n in range(5):
        assert create(api, f"user{n}").status_code == 201
    body = query(api, filter='userName sw "user"', startIndex=2, count=2).json()
    assert body["schemas"] == [CORE]
    assert (body["totalResults"], body["itemsPerPage"], body["startIndex"]) == (5, 2, 2)
    assert [r["userName"] for r in body["Resources"]] == ["user1", "user2"]
    last = query(api, startIndex=5, count=10).json()
    assert (last["itemsPerPage"], [r["userName"] for r in last["Resources"]]) == (1, ["user4"])


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", USERS, "SCIM:user:post"),
        ("GET", f"{USERS}/{'0' * 32}", "SCIM:user:get"),
        ("GET", USERS, "SCIM:user:query"),
    ],
)
def test_scim_scopes_are_enforced(api: Simulator, method: str, path: str, scope: str) -> None:
    body = user_body("jane") if method == "POST" else None
    headers = bearer(api, "credential:omi:enrol:status:get")
    refused = api.http.request(method, path, json=body, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert f'scope="{scope}"' in refused.headers["www-authenticate"]
    anonymous = api.http.request(method, path, json=body)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_faults_on_scim_routes_use_the_scim_body(api: Simulator) -> None:
    api.fault(route="scim_query", status=503)
    assert_scim_error(query(api), 503)
    api.fault(route="scim_create", status=401)
    assert create(api, "jane").json()["error"] == "invalid_token"
    assert names(query(api)) == [], "a fault before the write creates nothing"


def test_a_fault_after_the_write_loses_the_answer_not_the_user(api: Simulator) -> None:
    api.fault(route="scim_create", status=500, after=True)
    assert_scim_error(create(api, "jane"), 500)
    assert names(query(api)) == ["jane"]
    assert api.stats()["POST /scim/v1/Users"] == {"500": 1}
    api.fault(route="scim_create", status=200, delay=1.0, after=True)
    with pytest.raises(httpx2.ReadTimeout):
        api.http.post(USERS, json=user_body("bob"), headers=bearer(api), timeout=0.2)
    assert names(query(api)) == ["jane", "bob"]


def test_enrol_and_status_refuse_a_user_the_store_does_not_hold(
    start_simulator: StartSimulator,
) -> None:
    with Simulator(start_simulator(accept_any_user=False)) as api:
        unknown = api.enrol(str(uuid.uuid4()))
        assert unknown.status_code == 404
        assert unknown.json() == {"error": "user_not_found"}
        assert api.status(uuid.uuid4().hex).json() == {"error": "user_not_found"}
        user_id = create(api, "jane").json()["id"]
        assert api.enrol(user_id).status_code == 200
        assert api.status_value(str(uuid.UUID(user_id))) == "PENDING"


def test_by_default_only_users_of_the_store_are_enrolled(api: Simulator) -> None:
    assert api.enrol(str(uuid.uuid4())).json() == {"error": "user_not_found"}
    assert api.enrol(api.new_user()).status_code == 200


def test_accepting_any_user_takes_any_id_as_given(start_simulator: StartSimulator) -> None:
    """With the identity store elsewhere (a SCIM 2.0 store), ids need not be UUIDs."""
    with Simulator(start_simulator(accept_any_user=True)) as api:
        assert api.enrol(str(uuid.uuid4())).status_code == 200
        assert api.enrol("Ann.Lee@Example-1").status_code == 200
        assert api.status_value("Ann.Lee@Example-1") == "PENDING"
        assert api.status("ann.lee@example-1").json() == {"error": "not_found"}  # kept exactly
        assert api.http.get("/_sim/enrolments/Ann.Lee@Example-1").status_code == 200
        assert api.enrol("  ").status_code == 400


def test_known_users_are_registered_again_with_their_ids(api: Simulator) -> None:
    """A console restarted with its simulator tells it its accounts again (POST /_sim/users)."""
    old = str(uuid.uuid4())
    body = {
        "users": [
            {"id": "193f187d921c49e48d555257b6654b54", "userName": "ann", "displayName": "Ann"},
            {"id": old, "userName": "bob"},
            {"id": old, "userName": "bob-again"},  # the id is held: left alone
        ]
    }
    response = api.http.post("/_sim/users", json=body)
    assert response.json() == {"registered": 2, "given": 3}
    assert api.enrol("193f187d921c49e48d555257b6654b54").status_code == 200
    assert api.enrol(old).status_code == 200
    found = api.http.get(
        "/scim/v1/Users",
        params={"filter": 'userName eq "ann"'},
        headers={"Authorization": f"Bearer {api.token('SCIM:user:query')}"},
    )
    assert found.json()["Resources"][0]["id"] == "193f187d921c49e48d555257b6654b54"
    assert api.http.post("/_sim/users", json={"users": [{"id": ""}]}).status_code == 400


def test_the_command_line_flag() -> None:
    assert parse_args([]).accept_any_user is False
    assert parse_args(["--no-accept-any-user"]).accept_any_user is False
    assert parse_args(["--accept-any-user"]).accept_any_user is True
