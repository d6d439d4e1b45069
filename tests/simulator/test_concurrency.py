"""Eight threads enrolling, polling and confirming at once: consistent state, never a 500."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.support.simulator import STATUS, Simulator

THREADS = 8


def test_eight_users_at_once(api: Simulator) -> None:
    token = api.token()
    barrier = threading.Barrier(THREADS)

    def journey(index: int) -> tuple[str, list[str]]:
        user = api.new_user()
        seen: list[str] = []
        barrier.wait()
        for _ in range(3):  # re-enrolling races with everybody else's polls
            url = api.device_url(user)
            seen.append(api.status(user, token).json()["status"])
        api.http.get(url)
        seen.append(api.status(user, token).json()["status"])
        action = "confirm" if index % 2 == 0 else "decline"
        response = api.http.post(url, data={"action": action, "device_name": f"phone {index}"})
        assert response.status_code == 200, response.text
        seen.append(api.status(user, token).json()["status"])
        return user, seen

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(journey, range(THREADS)))

    for index, (user, seen) in enumerate(results):
        final = "ENROLLED" if index % 2 == 0 else "DECLINED"
        assert seen == ["PENDING", "PENDING", "PENDING", "SCANNED", final]
        status = api.status(user, token).json()
        assert status["status"] == final
        if final == "ENROLLED":
            assert status["deviceName"] == f"phone {index}"
    listing = api.http.get("/_sim/enrolments").json()
    assert len(listing) == THREADS
    stats = api.stats()
    assert all(int(code) < 500 for counts in stats.values() for code in counts)
    assert stats[f"GET {STATUS}"]["200"] == THREADS * 6


def test_parallel_polling_of_one_user_sees_one_scan(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)
    token = api.token()

    def poll_and_scan(_: int) -> int:
        api.http.get(url)
        return api.status(user, token).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(poll_and_scan, range(THREADS * 4)))
    assert set(codes) == {200}
    assert api.status_value(user) == "SCANNED"


def test_confirm_and_decline_race_has_one_winner(api: Simulator) -> None:
    user = api.new_user()
    url = api.device_url(user)

    def act(index: int) -> int:
        action = "confirm" if index % 2 == 0 else "decline"
        return api.http.post(url, data={"action": action}).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        codes = sorted(pool.map(act, range(THREADS)))
    assert codes == [200] + [410] * (THREADS - 1)
    assert api.status_value(user) in {"ENROLLED", "DECLINED"}
