"""The demo history's generator: the mix a real month has, every record consistent with what
the console itself writes, and the same history for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.domain.demo_cast import CAMPAIGNS, MARGIN, OPERATORS
from dashboard.domain.demo_history import demo_history
from dashboard.domain.demo_records import DemoHistory, DemoRules
from dashboard.domain.roles import EXPIRY_ACTOR, POLLER_ACTOR
from dashboard.domain.statuses import TERMINAL, Status, can_move

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
KINDS = {
    "CREATED", "SENT", "SEND_FAILED", "OPENED", "QR_ISSUED", "ENROLLED", "EXPIRED", "REVOKED",
    "SUPERSEDED",
}  # fmt: skip


@pytest.fixture(scope="module")
def history() -> DemoHistory:
    return demo_history(NOW, seed=15)


def test_about_300_enrolments_with_the_mix_of_a_real_month(history: DemoHistory) -> None:
    total = len(history.enrolments) + len(history.pending)
    assert 280 <= total <= 320
    counts = Counter(e.status for e in history.enrolments)
    assert 0.6 <= counts[Status.ENROLLED] / total <= 0.85, counts
    assert 0.07 <= counts[Status.EXPIRED] / total <= 0.2, counts
    for status in (Status.DECLINED, Status.SUPERSEDED, Status.CANCELLED, Status.FAILED):
        assert 1 <= counts[status] <= 0.06 * total, (status, counts)
    assert not counts.keys() - TERMINAL, "nothing of the past is left pending"
    assert len(history.pending) == 5
    devices = {e.device_name for e in history.enrolments if e.status is Status.ENROLLED}
    assert None not in devices
    assert {"iPhone 15", "Pixel 8"} <= devices


def test_every_campaign_operator_and_walk_in_is_there(history: DemoHistory) -> None:
    assert [c.name for c in history.campaigns] == [c[0] for c in CAMPAIGNS]
    used = Counter(e.campaign for e in history.enrolments)
    assert set(used) == {None, *range(len(CAMPAIGNS))}
    actors = {e.issued_by for e in history.enrolments}
    assert set(OPERATORS) <= actors
    assert {f"invitation ({OPERATORS[0]})", f"invitation ({OPERATORS[2]})"} <= actors
    assert {a.created_by for a in history.accounts} == set(OPERATORS)


def test_everything_happened_in_the_last_60_days_and_before_now(history: DemoHistory) -> None:
    start, end = NOW - timedelta(days=60), NOW - MARGIN
    moments = [a.created_at for a in history.accounts]
    for e in history.enrolments:
        moments += [e.issued_at, e.finished_at, *(ev.at for ev in e.events)]
    for i in history.invitations:
        moments += [i.created_at, *(ev.at for ev in i.events)]
        moments += [m.sent_at for m in i.mails if m.sent_at is not None]
    assert all(start <= m <= NOW for m in moments)
    past = [m for m in moments if m not in {a.created_at for a in history.accounts}]
    assert max(past) <= end, "the last minutes are left to the live codes"
    issued = [e.issued_at for e in history.enrolments]
    assert issued == sorted(issued), "oldest first, so ids follow time"
    assert len({(NOW - t).days for t in issued}) >= 20, "spread over many days"


def test_each_enrolment_follows_the_state_machine_as_the_console_writes_it(
    history: DemoHistory,
) -> None:
    rules = DemoRules()
    for number, e in enumerate(history.enrolments):
        first, *rest = e.events
        assert (first.from_status, first.to_status, first.at) == (None, Status.PENDING, e.issued_at)
        assert first.detail.startswith("QR code issued; it expires at ")
        current = Status.PENDING
        for before, event in zip(e.events, rest, strict=False):
            assert event.from_status is current
            assert can_move(current, event.to_status)
            assert event.at >= before.at
            current = event.to_status
        assert current is e.status
        assert e.finished_at == e.events[-1].at
        assert e.expires_at == e.issued_at + rules.qr_lifetime
        last = e.events[-1]
        if e.status is Status.EXPIRED:
            assert last.actor == EXPIRY_ACTOR
            assert last.at >= e.expires_at
        elif e.status in (Status.ENROLLED, Status.DECLINED, Status.FAILED):
            assert last.actor == POLLER_ACTOR
            assert last.at < e.expires_at
            assert last.detail.startswith(f"The service reported '{e.status.value}'.")
        else:
            assert last.actor == e.issued_by
            assert last.at < e.expires_at
        if e.supersedes is not None:
            old = history.enrolments[e.supersedes]
            assert e.supersedes < number
            assert old.status is Status.SUPERSEDED
            assert old.account == e.account
            assert old.finished_at <= e.issued_at


def test_people_are_unique_and_known_by_tenant_ids(history: DemoHistory) -> None:
    assert len({a.username.casefold() for a in history.accounts}) == len(history.accounts)
    assert len({a.id for a in history.accounts}) == len(history.accounts)
    tenant_ids = {a.tenant_id for a in history.accounts}
    assert len(tenant_ids) == len(history.accounts)
    assert all(len(t) == 32 and int(t, 16) >= 0 for t in tenant_ids)
    for e in history.enrolments:
        assert history.accounts[e.account].created_at <= e.issued_at


def test_invitations_are_consistent(history: DemoHistory) -> None:
    live = Counter(i.account for i in history.invitations if i.outcome is None)
    assert max(live.values()) == 1, "at most one live invitation per account"
    outcomes = Counter(i.outcome for i in history.invitations)
    assert set(outcomes) == {None, "ENROLLED", "REVOKED", "SUPERSEDED"}
    kinds: Counter[str] = Counter()
    for i in history.invitations:
        person = history.accounts[i.account]
        assert i.email == person.email
        assert i.created_at >= person.created_at
        at = [ev.at for ev in i.events]
        assert at == sorted(at)
        assert i.events[0].kind == "CREATED"
        assert [m.step for m in i.mails] == list(range(len(i.mails))), "step 0, then reminders"
        assert i.expires_at == i.created_at + DemoRules().invite_lifetime
        kinds.update(ev.kind for ev in i.events)
        for ev in i.events:
            if ev.enrolment is not None:
                code = history.enrolments[ev.enrolment]
                assert code.account == i.account
                assert code.campaign == i.campaign
                assert code.issued_at >= i.created_at
        if i.outcome == "ENROLLED":
            assert i.events[-1].kind == "ENROLLED"
            assert i.ended_at == i.events[-1].at
            assert history.enrolments[i.events[-1].enrolment or 0].status is Status.ENROLLED
        if i.outcome is not None:
            assert i.ended_at is not None
            assert i.ended_by is not None
        if i.opened_at is not None:
            assert any(ev.kind == "OPENED" and ev.at == i.opened_at for ev in i.events)
    assert set(kinds) == KINDS
    reminders = [ev for i in history.invitations for ev in i.events if ev.kind == "SENT"]
    assert sum(ev.detail.startswith("reminder") for ev in reminders) >= 10
    unended = [i for i in history.invitations if i.outcome is None]
    assert any(i.expires_at <= NOW for i in unended), "some expired"
    assert any(i.expires_at > NOW and i.opened_at is None for i in unended), "some still invited"


def test_one_or_two_mails_failed_with_an_error(history: DemoHistory) -> None:
    mails = [m for i in history.invitations for m in i.mails]
    failed = [m for m in mails if m.status == "FAILED"]
    assert 1 <= len(failed) <= 2
    assert all(m.last_error and m.sent_at is None and m.attempts > 1 for m in failed)
    assert {m.status for m in mails} == {"SENT", "FAILED"}
    assert all(m.sent_at is not None for m in mails if m.status == "SENT")


def test_the_same_seed_gives_the_same_history() -> None:
    assert demo_history(NOW, seed=3) == demo_history(NOW, seed=3)
    assert demo_history(NOW, seed=3) != demo_history(NOW, seed=4)


def test_the_rules_are_followed() -> None:
    rules = DemoRules(
        qr_lifetime=timedelta(minutes=2), invite_lifetime=timedelta(days=3), reminders=()
    )
    short = demo_history(NOW, seed=1, pending=0, rules=rules)
    assert not short.pending
    assert all(e.expires_at - e.issued_at == rules.qr_lifetime for e in short.enrolments)
    assert all(len(i.mails) == 1 for i in short.invitations), "no reminders on the schedule"
