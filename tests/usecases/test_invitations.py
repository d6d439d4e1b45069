"""Invitations, the operator's side, on real databases (SQLite file, PostgreSQL) against the real
simulator: invite one or 200 (one mail each, the skipped ones named), superseding keeps one live
invitation per account, revoke, a campaign, addresses (normalised; malformed and header
injections refused with a sentence), and the timeline merging the invitation's steps with the
enrolment's, oldest first."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from dashboard.domain.invitation_records import SkipReason, StepSource
from dashboard.domain.invitations import InvitationState
from dashboard.errors import InputError, NotFoundError
from dashboard.usecases.campaigns import Campaigns
from db.models import Account, InvitationEvent, Mail
from simulator.embedded import RunningSimulator
from tests.support.console import Clock, Console, open_console
from tests.support.phone import Phone

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
INJECTION = "a@b.c\r\nBcc: x@y.z"


@pytest.fixture
def clock() -> Clock:
    return Clock(T)


@pytest.fixture
def desk(database_url: str, simulator: RunningSimulator, clock: Clock) -> Iterator[Console]:
    with open_console(database_url, simulator, clock=clock) as console:
        yield console


def person(console: Console, name: str, email: str | None = "") -> uuid.UUID:
    address = f"{name}@example.com" if email == "" else email
    return console.accounts.create(name, actor="desk", email=address).id


def mails(console: Console) -> list[tuple[int, int, str, str, str]]:
    with console.sessions() as session:
        rows = session.scalars(select(Mail).order_by(Mail.id))
        return [(m.invitation_id, m.step, m.status, m.to_address, m.language) for m in rows]


def test_an_invite_queues_one_mail_in_the_language_asked(desk: Console) -> None:
    ann = person(desk, "ann")
    report = desk.invitations.invite([ann], actor="oscar@example.com", language="nl")
    assert report.skipped == ()
    [made] = report.invited
    assert (made.username, made.email, made.superseded_id) == ("ann", "ann@example.com", None)
    assert mails(desk) == [(made.invitation_id, 0, "QUEUED", "ann@example.com", "nl")]
    current = desk.invitations.current(ann)
    assert current is not None
    assert (current.state, current.created_by, current.language) == (
        InvitationState.INVITED,
        "oscar@example.com",
        "nl",
    )
    assert current.expires_at == T + timedelta(days=7)
    assert desk.invitations.invite([ann], actor="op").invited[0].superseded_id == made.invitation_id
    assert mails(desk)[-1][-1] == "en"  # the default language
    with pytest.raises(InputError, match="written in en, nl"):
        desk.invitations.invite([ann], actor="op", language="fr")
    with pytest.raises(InputError, match="operator name is empty"):
        desk.invitations.invite([ann], actor=" ")


def test_superseding_keeps_one_live_invitation_per_account(desk: Console) -> None:
    bob = person(desk, "bob")
    ids = [desk.invitations.invite([bob], actor="op").invited[0].invitation_id for _ in range(3)]
    timeline = desk.invitations.timeline(account_id=bob)
    assert [(s.step, s.invitation_id) for s in timeline] == [
        ("CREATED", ids[0]),
        ("SUPERSEDED", ids[0]),
        ("CREATED", ids[1]),
        ("SUPERSEDED", ids[1]),
        ("CREATED", ids[2]),
    ]
    current = desk.invitations.current(bob)
    assert current is not None
    assert (current.id, current.live) == (ids[2], True)


def test_a_batch_of_200_queues_one_mail_each_and_names_the_skipped(
    desk: Console, phone: Phone
) -> None:
    people = [person(desk, f"team{n:03d}") for n in range(200)]
    nomail = person(desk, "nomail", None)
    done = person(desk, "done")
    enrolment = desk.enrolments.issue(done, actor="desk")
    reference = desk.accounts.get(done).reference
    phone.finish(reference, "confirm")
    assert desk.polling.poll(enrolment.id, reference, backoff=lambda _: timedelta()) is None
    ghost = uuid.uuid4()

    report = desk.invitations.invite([*people, nomail, done, ghost, "not-an-id"], actor="op")
    assert len(report.invited) == 200
    assert [(s.account, s.reason) for s in report.skipped] == [
        ("not-an-id", SkipReason.UNKNOWN),
        ("nomail", SkipReason.NO_ADDRESS),
        ("done", SkipReason.ENROLLED),
        (str(ghost), SkipReason.UNKNOWN),
    ]
    assert report.skipped[1].sentence == "No e-mail address."
    assert "is not an account id" in report.skipped[0].sentence
    queued = mails(desk)
    assert len(queued) == 200
    assert {m[3] for m in queued} == {f"team{n:03d}@example.com" for n in range(200)}
    assert len(desk.queue.snapshot().items) == 200  # everyone invited is in the queue


def test_revoke_ends_the_link_and_says_what_it_did(desk: Console, clock: Clock) -> None:
    cat = person(desk, "cat")
    made = desk.invitations.invite([cat], actor="op").invited[0].invitation_id
    clock.now = T + timedelta(hours=1)
    [result] = desk.invitations.revoke([made], actor="ann@example.com")
    assert (result.username, result.done) == ("cat", True)
    [again] = desk.invitations.revoke([made], actor="ann@example.com")
    assert (again.done, again.message) == (False, "Already revoked: there is nothing to revoke.")
    [missing] = desk.invitations.revoke([987654], actor="op")
    assert (missing.done, missing.message) == (False, "There is no invitation #987654.")
    steps = desk.invitations.timeline(account_id=cat)
    assert [(s.step, s.actor, s.at) for s in steps] == [
        ("CREATED", "op", T),
        ("REVOKED", "ann@example.com", T + timedelta(hours=1)),
    ]
    current = desk.invitations.current(cat)
    assert current is not None
    assert current.state is InvitationState.REVOKED
    with pytest.raises(InputError, match="none was given"):
        desk.invitations.revoke([], actor="op")


def test_a_campaign_invites_its_members_with_an_address(desk: Console) -> None:
    spring = Campaigns(desk.sessions).open("Spring", actor="op")
    for name, email in (("dan", ""), ("eve", None), ("fay", "")):
        desk.enrolments.issue(person(desk, name, email), actor="op", campaign_id=spring.id)
    report = desk.invitations.invite_campaign(spring.id, actor="op", language="nl")
    assert [i.username for i in report.invited] == ["dan", "fay"]
    assert [(s.account, s.reason) for s in report.skipped] == [("eve", SkipReason.NO_ADDRESS)]
    with pytest.raises(NotFoundError):
        desk.invitations.invite_campaign(424242, actor="op")


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ("ann@", "is not valid"),
        ("no address", "is not valid"),
        (INJECTION, "line break or another control character"),
        ("a@b.c\nBcc: x@y.z", "line break"),
        ("ann@example.com\u202e", "control character"),
        ("x" * 300 + "@example.com", "longer than 254"),
    ],
)
def test_a_malformed_address_gets_a_sentence(desk: Console, typed: str, refused: str) -> None:
    gus = person(desk, "gus")
    with pytest.raises(InputError, match=refused):
        desk.invitations.set_address(gus, typed, actor="op")
    assert desk.accounts.get(gus).email == "gus@example.com"  # unchanged


def test_an_address_is_kept_normalised_and_a_stored_bad_one_is_skipped(desk: Console) -> None:
    hal = person(desk, "hal", None)
    assert desk.invitations.set_address(hal, " Hal@EXAMPLE.com ", actor="op") == "Hal@example.com"
    assert desk.accounts.get(hal).email == "Hal@example.com"
    assert desk.invitations.set_address(hal, "", actor="op") is None
    assert desk.invitations.invite([hal], actor="op").skipped[0].reason is SkipReason.NO_ADDRESS
    with desk.sessions.begin() as session:  # written past the checks, as an old import might
        session.execute(update(Account).where(Account.id == hal).values(email=INJECTION))
    [skipped] = desk.invitations.invite([hal], actor="op").skipped
    assert skipped.reason is SkipReason.BAD_ADDRESS
    assert "control character" in skipped.sentence
    with desk.sessions() as session:
        assert session.scalar(select(func.count(Mail.id))) == 0
    with pytest.raises(NotFoundError):
        desk.invitations.set_address(uuid.uuid4(), "a@example.com", actor="op")


def test_the_timeline_merges_the_invitation_and_the_enrolment_oldest_first(
    desk: Console, clock: Clock, phone: Phone
) -> None:
    ivy = person(desk, "ivy")
    invitation = desk.invitations.invite([ivy], actor="oscar").invited[0].invitation_id
    clock.now = T + 60 * SECOND
    enrolment = desk.enrolments.issue(ivy, actor="public page")
    # What the mailer and the public page write (their code is elsewhere): sent, opened, issued.
    with desk.sessions.begin() as session:
        for at, kind, issued in (
            (T + 10 * SECOND, "SENT", None),
            (T + 50 * SECOND, "OPENED", None),
            (T + 60 * SECOND, "QR_ISSUED", enrolment.id),
        ):
            step = InvitationEvent(invitation_id=invitation, at=at, kind=kind, actor="mailer")
            step.detail, step.enrolment_id = "", issued
            session.add(step)
    clock.now = T + 90 * SECOND
    reference = desk.accounts.get(ivy).reference
    phone.scan(reference)
    phone.finish(reference, "confirm")
    assert desk.polling.poll(enrolment.id, reference, backoff=lambda _: timedelta()) is None

    steps = desk.invitations.timeline(enrolment_id=enrolment.id)
    assert [(s.source, s.step) for s in steps] == [
        (StepSource.INVITATION, "CREATED"),
        (StepSource.INVITATION, "SENT"),
        (StepSource.INVITATION, "OPENED"),
        (StepSource.INVITATION, "QR_ISSUED"),
        (StepSource.ENROLMENT, "PENDING"),
        (StepSource.ENROLMENT, "ENROLLED"),
    ]
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert steps[0].actor == "oscar"
    assert desk.invitations.timeline(account_id=ivy) == steps
    # An enrolment no invitation issued has its own steps only.
    other = desk.enrolments.issue(person(desk, "joe"), actor="desk")
    assert [s.step for s in desk.invitations.timeline(enrolment_id=other.id)] == ["PENDING"]
    with pytest.raises(NotFoundError):
        desk.invitations.timeline(enrolment_id=999999)
    with pytest.raises(InputError, match="an enrolment or an account"):
        desk.invitations.timeline()
