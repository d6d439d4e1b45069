"""The budget's pure rules: the bucket, the back-off and its recovery, the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.domain import budget as rules
from dashboard.domain.budget import Limits, Priority

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_rps=10.0, watched_rps=3.0, interval=1.0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_full_bucket_holds_half_a_second_of_the_budget() -> None:
    bucket = rules.full(T0, LIMITS)
    assert rules.permits(bucket, T0) == 5
    assert rules.permits(rules.refill(bucket, at(3600), LIMITS), at(3600)) == 5


def test_the_bucket_refills_at_the_budget() -> None:
    bucket = rules.take(rules.full(T0, LIMITS), 5, T0)
    assert rules.permits(bucket, T0) == 0
    assert rules.permits(rules.refill(bucket, at(0.1), LIMITS), at(0.1)) == 1
    assert rules.permits(rules.refill(bucket, at(0.35), LIMITS), at(0.35)) == 3


def test_permits_over_a_long_run_never_exceed_the_budget() -> None:
    bucket, taken = rules.full(T0, LIMITS), 0
    for tick in range(1, 1201):  # 100 s in ticks of 1/12 s
        now = at(tick / 12)
        bucket = rules.refill(bucket, now, LIMITS)
        count = rules.permits(bucket, now)
        bucket, taken = rules.take(bucket, count, now), taken + count
    assert taken <= 100 * LIMITS.max_rps + LIMITS.burst
    assert taken >= 100 * LIMITS.max_rps - 1
    assert rules.current_rate(bucket, at(100)) == 10.0


def test_a_429_pauses_for_its_retry_after_then_comes_back_at_half_rate() -> None:
    bucket = rules.rate_limited(rules.full(T0, LIMITS), T0, 4.0, "429")
    assert bucket.throttled(T0)
    assert bucket.paused(at(3.9))
    for moment in (at(1), at(3.99)):
        assert rules.permits(rules.refill(bucket, moment, LIMITS), moment) == 0
    assert bucket.factor == 0.5
    after = rules.refill(bucket, at(4.5), LIMITS)
    assert not after.paused(at(4.5))
    # Half a second unpaused at about half the rate: 2 or 3 permits, not 5.
    assert 2 <= rules.permits(after, at(4.5)) <= 3


def test_the_rate_recovers_by_itself() -> None:
    bucket = rules.rate_limited(rules.full(T0, LIMITS), T0, 1.0, "429")
    assert rules.refill(bucket, at(1 + rules.RECOVERY_SECONDS / 4), LIMITS).factor < 1.0
    recovered = rules.refill(bucket, at(1 + rules.RECOVERY_SECONDS), LIMITS)
    assert recovered.factor == 1.0
    assert not recovered.throttled(at(1 + rules.RECOVERY_SECONDS))
    assert recovered.reason == "429"  # kept for the System page


def test_a_missing_retry_after_pauses_by_default_and_a_huge_one_is_capped() -> None:
    assert rules.rate_limited(rules.full(T0, LIMITS), T0, None, "x").paused_until == at(
        rules.DEFAULT_PAUSE
    )
    assert rules.rate_limited(rules.full(T0, LIMITS), T0, 9999, "x").paused_until == at(
        rules.MAX_PAUSE
    )


def test_many_429s_in_one_pause_slow_down_once() -> None:
    bucket = rules.full(T0, LIMITS)
    for _ in range(8):  # eight workers got the same answer
        bucket = rules.rate_limited(bucket, T0, 2.0, "429")
    assert bucket.factor == 0.5


def test_a_burst_of_server_errors_halves_the_rate_a_few_do_not() -> None:
    bucket = rules.full(T0, LIMITS)
    for n in range(rules.BURST_ERRORS - 1):
        bucket = rules.server_error(bucket, at(n), "500")
    assert bucket.factor == 1.0
    bucket = rules.server_error(bucket, at(rules.BURST_ERRORS - 1), "500")
    assert bucket.factor == 0.5
    assert bucket.throttled(at(5))


def test_server_errors_spread_out_are_not_a_burst() -> None:
    bucket = rules.full(T0, LIMITS)
    for n in range(20):
        bucket = rules.server_error(bucket, at(n * rules.BURST_WINDOW / 2), "500")
    assert bucket.factor == 1.0


def test_the_back_off_has_a_floor() -> None:
    bucket = rules.full(T0, LIMITS)
    for n in range(30):
        bucket = rules.rate_limited(bucket, at(n * 100), 1.0, "429")
    assert bucket.factor == rules.MIN_FACTOR


def test_the_fairness_floor_is_twice_pending_over_the_budget() -> None:
    assert rules.floor_seconds(2000, Limits(max_rps=20)) == 200.0
    assert rules.floor_seconds(3, Limits(max_rps=20)) == 1.0  # never below the interval


def test_watched_enrolments_take_at_most_their_rate_and_half_the_budget() -> None:
    assert rules.watched_period(1, Limits(max_rps=20, watched_rps=3)) == 1 / 3
    assert rules.watched_period(20, Limits(max_rps=20, watched_rps=3)) == 2.0


def test_priorities() -> None:
    def classed(**kw: object) -> Priority:
        args: dict[str, object] = {
            "watched": False,
            "scanned": False,
            "issued_at": at(-10),
            "last_claimed": at(-1),
            "now": T0,
            "floor": 100.0,
        }
        return rules.priority(**(args | kw))  # type: ignore[arg-type]

    assert classed(watched=True, scanned=True, last_claimed=at(-500)) is Priority.WATCHED
    assert classed(scanned=True, last_claimed=at(-500)) is Priority.STARVING
    assert classed(scanned=True) is Priority.SCANNED
    assert classed() is Priority.RECENT
    assert classed(issued_at=at(-600)) is Priority.REST


def test_older_enrolments_are_polled_more_slowly_never_past_the_floor() -> None:
    def period(age: float, floor: float = 1000.0, **kw: bool) -> float:
        return rules.next_period(
            watched=kw.get("watched", False),
            scanned=kw.get("scanned", False),
            age=timedelta(seconds=age),
            limits=LIMITS,
            floor=floor,
            watchers=1,
        )

    assert period(10) == period(60) == 1.0
    assert period(600) == 30.0 > period(300) == 15.0
    assert period(6000, floor=100.0) == 100.0
    assert period(6000, scanned=True) == 1.0
    assert period(6000, watched=True) == 1 / 3
