"""The invitation link's use-cases on real databases (SQLite file, PostgreSQL) against the real
simulator, with an injected clock: open, the QR code issued there and then, its status through
to ENROLLED, a fresh code after expiry, settle and reminders (once each, also with two
processes racing on one PostgreSQL database)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dashboard.domain.statuses import Status
from dashboard.errors import ApiError
from dashboard.usecases.invitation_links import (
    USED_GRACE,
    InvitationLinks,
    PublicState,
    PublicStatus,
)
from db.models import Enrolment, Invitation, InvitationEvent, Mail
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console
from tests.support.factories import invite
from tests.support.phone import Phone
from tests.support.simulator import Simulator, decode_qr
from tests.support.waiting import wait_until

DAY = timedelta(days=1)
SCHEDULE = (2 * DAY, 5 * DAY)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock) as console:
        yield console


def links_of(console: Console, clock: Clock) -> InvitationLinks:
    return InvitationLinks(
        console.sessions, console.enrolments, console.watching, reminders=SCHEDULE, clock=clock
    )


@pytest.fixture
def links(desk: Console, clock: Clock) -> InvitationLinks:
    return links_of(desk, clock)


def invited(console: Console, clock: Clock, name: str = "ann", **fields: str) -> tuple[int, str]:
    """An account on the tenant and a live invitation of it made now: (invitation id, token)."""
    made = console.accounts.create(name, actor="op", display_name=fields.get("shown"))
    with console.sessions.begin() as session:
        return invite(session, made.id, created=clock.now, language=fields.get("lang", "en"))


def account_of(console: Console, invitation_id: int) -> uuid.UUID:
    with console.sessions() as session:
        return session.get_one(Invitation, invitation_id).account_id


def kinds(console: Console, invitation_id: int) -> list[str]:
    with console.sessions() as session:
        query = select(InvitationEvent.kind).where(InvitationEvent.invitation_id == invitation_id)
        return list(session.scalars(query.order_by(InvitationEvent.id)))


def poll(console: Console, enrolment_id: int) -> None:
    reference = console.accounts.get(console.enrolments.get(enrolment_id).account_id).reference
    console.polling.poll(enrolment_id, reference, backoff=lambda _: timedelta(0))


def test_the_journey_open_qr_scan_confirm_enrolled_then_used(
    desk: Console, links: InvitationLinks, clock: Clock, phone: Phone
) -> None:
    ident, token = invited(desk, clock, shown="Ann Example", lang="nl")
    view = links.open(token)
    assert view is not None
    assert (view.name, view.language, view.status.state) == ("Ann Example", "nl", "waiting")
    made = links.qr(token)
    assert made is not None
    assert "/device/enrol/" in decode_qr(made.png)
    assert links.qr(token) == made  # the page and its image get one code, not two
    status = links.status(token)
    assert status is not None
    assert status.state is PublicState.PENDING
    with desk.sessions() as session:
        assert session.get_one(Enrolment, made.enrolment_id).watched_until is not None
    reference = desk.accounts.get(account_of(desk, ident)).reference
    phone.scan(reference)
    poll(desk, made.enrolment_id)
    assert links.status(token) == PublicStatus(PublicState.SCANNED)
    phone.finish(reference, "confirm", "Pixel 9")
    poll(desk, made.enrolment_id)
    done = links.status(token)
    assert done is not None
    assert (done.state, done.device_name) == (PublicState.ENROLLED, "Pixel 9")
    assert links.open(token) is None  # used: opening it again is refused
    assert links.qr(token) is None
    assert links.status(token) == done  # the page left open still shows the end
    clock.now += USED_GRACE + timedelta(seconds=1)
    assert links.status(token) is None
    assert kinds(desk, ident) == ["OPENED", "QR_ISSUED", "ENROLLED"]
    with desk.sessions() as session:
        row = session.get_one(Invitation, ident)
        assert (row.outcome, row.opened_at is not None) == ("ENROLLED", True)
        named = session.scalars(
            select(InvitationEvent.enrolment_id).where(InvitationEvent.invitation_id == ident)
        ).all()
        assert named == [None, made.enrolment_id, made.enrolment_id]


def test_a_page_left_open_sees_enrolled_when_the_mailer_settled_first(
    desk: Console, links: InvitationLinks, clock: Clock, phone: Phone
) -> None:
    ident, token = invited(desk, clock)
    made = links.qr(token)
    assert made is not None
    reference = desk.accounts.get(account_of(desk, ident)).reference
    phone.scan(reference)
    phone.finish(reference, "confirm", "Pixel 9")
    poll(desk, made.enrolment_id)
    assert links.settle().enrolled == [ident]  # another process's mailer, before the page asks
    done = links.status(token)
    assert done is not None
    assert (done.state, done.device_name) == (PublicState.ENROLLED, "Pixel 9")
    assert links.open(token) is None


def test_an_expired_code_gives_a_fresh_one_while_the_invitation_lives(
    desk: Console, links: InvitationLinks, clock: Clock
) -> None:
    ident, token = invited(desk, clock)
    first = links.qr(token)
    assert first is not None
    now = clock.now
    clock.now += timedelta(minutes=10)  # past the code's five minutes, not the invitation's
    assert links.status(token) == PublicStatus(PublicState.EXPIRED)  # before the sweep, too
    desk.enrolments.expire_overdue()
    clock.now = now  # back in step with the API's clock, which the fresh code expires by
    assert links.status(token) == PublicStatus(PublicState.EXPIRED)
    second = links.qr(token)
    assert second is not None
    assert second.enrolment_id != first.enrolment_id
    assert decode_qr(second.png) != decode_qr(first.png)
    assert desk.enrolments.get(first.enrolment_id).status is Status.EXPIRED
    assert links.status(token) == PublicStatus(PublicState.PENDING)
    assert kinds(desk, ident) == ["QR_ISSUED", "QR_ISSUED"]
    clock.now += 8 * DAY
    assert links.open(token) is None
    assert links.qr(token) is None


def test_the_accounts_active_code_is_shown_not_replaced(
    desk: Console, links: InvitationLinks, clock: Clock
) -> None:
    ident, token = invited(desk, clock)
    at_desk = desk.enrolments.issue(account_of(desk, ident), actor="op")
    made = links.qr(token)
    assert made is not None
    assert made.enrolment_id == at_desk.id
    assert desk.enrolments.get(at_desk.id).status is Status.PENDING
    assert links.qr(token) == made
    assert kinds(desk, ident) == ["QR_ISSUED"]


def test_a_decline_offers_a_new_code(
    desk: Console, links: InvitationLinks, clock: Clock, phone: Phone
) -> None:
    ident, token = invited(desk, clock)
    made = links.qr(token)
    assert made is not None
    phone.finish(desk.accounts.get(account_of(desk, ident)).reference, "decline")
    poll(desk, made.enrolment_id)
    assert links.status(token) == PublicStatus(PublicState.DECLINED)
    again = links.qr(token)
    assert again is not None
    assert again.enrolment_id != made.enrolment_id


def test_an_api_fault_is_a_sentence_and_leaves_nothing_half_done(
    desk: Console, links: InvitationLinks, clock: Clock, api: Simulator
) -> None:
    ident, token = invited(desk, clock)
    api.fault(route="enrol", status=500, count=5)
    with pytest.raises(ApiError) as raised:
        links.qr(token)
    assert token not in str(raised.value)
    assert kinds(desk, ident) == []
    api.clear()
    assert links.qr(token) is not None


@pytest.mark.parametrize("token", ["", "short", "x" * 43 + "!", "../../etc/passwd", "a" * 4000])
def test_malformed_tokens_are_refused_without_a_lookup(links: InvitationLinks, token: str) -> None:
    assert links.open(token) is None
    assert links.qr(token) is None
    assert links.status(token) is None


def test_settle_expires_once_and_ends_enrolled_ones(
    desk: Console, links: InvitationLinks, clock: Clock
) -> None:
    start = clock.now
    late, _ = invited(desk, clock, "late")
    used, _ = invited(desk, clock, "used")
    issued = desk.enrolments.issue(account_of(desk, used), actor="op")
    with desk.sessions.begin() as session:  # enrolled at the desk, not through the link
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == issued.id)
            .values(status="ENROLLED", finished_at=start + timedelta(hours=1), qr_png=None)
        )
    first = links.settle(start + 8 * DAY)
    assert (first.enrolled, first.expired) == ([used], [late])
    again = links.settle(start + 9 * DAY)
    assert (again.enrolled, again.expired) == ([], [])
    assert kinds(desk, late) == ["EXPIRED"]
    assert kinds(desk, used) == ["ENROLLED"]


def reminder_steps(console: Console, invitation_id: int) -> list[int]:
    with console.sessions() as session:
        query = select(Mail.step).where(Mail.invitation_id == invitation_id).order_by(Mail.step)
        return list(session.scalars(query))


def test_reminders_follow_the_schedule_and_stop_after_enrolled_or_revoked(
    desk: Console, links: InvitationLinks, clock: Clock
) -> None:
    start = clock.now
    waiting, _ = invited(desk, clock, "waiting")
    enrolled, enrolled_token = invited(desk, clock, "enrolled")
    revoked, _ = invited(desk, clock, "revoked")
    assert links.remind_due(start + DAY) == []
    assert sorted(links.remind_due(start + 2 * DAY)) == [(waiting, 1), (enrolled, 1), (revoked, 1)]
    assert links.remind_due(start + 2 * DAY) == []
    made = links.qr(enrolled_token)
    assert made is not None
    with desk.sessions.begin() as session:
        session.execute(
            update(Enrolment)
            .where(Enrolment.id == made.enrolment_id)
            .values(status="ENROLLED", finished_at=clock.now, qr_png=None)
        )
        session.execute(
            update(Invitation)
            .where(Invitation.id == revoked)
            .values(outcome="REVOKED", ended_at=clock.now, ended_by="op")
        )
    links.settle(start + 3 * DAY)
    assert links.remind_due(start + 5 * DAY) == [(waiting, 2)]
    assert links.remind_due(start + 6 * DAY) == []
    assert reminder_steps(desk, waiting) == [0, 1, 2]
    assert reminder_steps(desk, enrolled) == [0, 1]
    assert reminder_steps(desk, revoked) == [0, 1]


@pytest.mark.postgres
def test_two_processes_racing_queue_each_step_once_and_expire_once(
    postgres_url: str, simulator: RunningSimulator
) -> None:
    clock = Clock()
    start = clock.now
    with (
        open_console(postgres_url, simulator, clock=clock) as one,
        open_console(postgres_url, simulator, clock=clock) as two,
    ):
        invitations = [invited(one, clock, f"person{i}")[0] for i in range(20)]
        racers = [links_of(one, clock), links_of(two, clock)]
        queued: list[tuple[int, int]] = []
        expired: list[int] = []
        gate = threading.Barrier(len(racers))
        lock = threading.Lock()

        def race(links: InvitationLinks) -> None:
            for moment in (2 * DAY, 2 * DAY, 5 * DAY, 5 * DAY, 8 * DAY, 8 * DAY):
                gate.wait()
                steps = links.remind_due(start + moment)
                ended = links.settle(start + moment).expired
                with lock:
                    queued.extend(steps)
                    expired.extend(ended)

        threads = [threading.Thread(target=race, args=(r,)) for r in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(t.is_alive() for t in threads)
        assert sorted(queued) == sorted((i, s) for i in invitations for s in (1, 2))
        assert sorted(expired) == sorted(invitations)
        for ident in invitations:
            assert reminder_steps(one, ident) == [0, 1, 2]
            assert kinds(one, ident) == ["EXPIRED"]


def test_the_watch_is_renewed_by_the_status(
    desk: Console, links: InvitationLinks, clock: Clock
) -> None:
    _, token = invited(desk, clock)
    made = links.qr(token)
    assert made is not None

    def watched() -> bool:
        with desk.sessions() as session:
            until = session.get_one(Enrolment, made.enrolment_id).watched_until
        return until is not None and until > clock.now

    clock.now += timedelta(seconds=30)  # the first watch lapsed
    wait_until(lambda: links.status(token) is not None and watched(), what="watch renewed")


def test_the_page_and_its_image_at_once_get_one_code_and_one_opening(
    desk: Console, links: InvitationLinks, clock: Clock
) -> None:
    ident, token = invited(desk, clock)
    gate = threading.Barrier(4)
    seen: list[int] = []

    def visit() -> None:
        gate.wait()
        links.open(token)
        made = links.qr(token)
        assert made is not None
        seen.append(made.enrolment_id)

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(seen) == 4
    assert len(set(seen)) == 1
    assert kinds(desk, ident) == ["OPENED", "QR_ISSUED"]
