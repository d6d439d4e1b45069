"""A made-up but realistic past for a demo console: ``demo_history(now, seed=...)``.

About 300 enrolments over the last 60 days: campaigns by invitation (Finance onboarding, Sales
kick-off) and at the desk (Warehouse Q3), and walk-ins without a campaign, by three operators.
Mostly enrolled; some expired and re-issued later, a few declined, cancelled, superseded or
failed. Invitations are sent, reminded on the schedule, opened, revoked, superseded or left to
expire; two mails bounce. Every event follows what the console itself writes (``Enrolments``'
details, the actors ``poller`` and ``expiry``). The same ``seed`` and ``now`` give the same
history. Nothing happens after ``now - MARGIN`` and nothing is left pending: the live codes
(``DemoHistory.pending``) are for the use-case to issue through the API, as an operator would.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from dashboard.domain import demo_cast as cast
from dashboard.domain import demo_mails as mails
from dashboard.domain.clock import iso
from dashboard.domain.demo_records import (
    DemoAccount,
    DemoCampaign,
    DemoEnrolment,
    DemoEvent,
    DemoHistory,
    DemoInvitation,
    DemoInvitationEvent,
    DemoPending,
    DemoRules,
)
from dashboard.domain.invitations import LANGUAGES
from dashboard.domain.roles import EXPIRY_ACTOR, POLLER_ACTOR
from dashboard.domain.statuses import Status

K = TypeVar("K")


def demo_history(
    now: datetime,
    *,
    seed: int = cast.DEFAULT_SEED,
    target: int = 300,
    pending: int = 5,
    rules: DemoRules = DemoRules(),  # noqa: B008 - frozen
) -> DemoHistory:
    """About ``target`` enrolments over ``rules.days`` days up to ``now``, and ``pending``
    people created just now whose QR codes are still to be issued."""
    return _Builder(now, seed, rules).build(target, pending)


def issue_detail(expires_at: datetime, supersedes: int | None = None) -> str:
    """The issue event's detail, as ``Enrolments.issue`` writes it."""
    detail = f"QR code issued; it expires at {iso(expires_at)}."
    return detail if supersedes is None else f"{detail} Supersedes #{supersedes}."


class _Builder:
    def __init__(self, now: datetime, seed: int, rules: DemoRules) -> None:
        self.now, self.rules, self.rng = now, rules, random.Random(seed)
        self.latest = now - cast.MARGIN
        self.accounts: list[DemoAccount] = []
        self.enrolments: list[DemoEnrolment] = []
        self.invitations: list[DemoInvitation] = []
        names = [(first, last) for first in cast.FIRST for last in cast.LAST]
        self.names = iter(self.rng.sample(names, len(names)))

    def build(self, target: int, pending: int) -> DemoHistory:
        campaigns = []
        for number, (name, ago, span, op, invited, people) in enumerate(cast.CAMPAIGNS):
            by, start = cast.OPERATORS[op], self.now - timedelta(days=ago)
            campaigns.append(DemoCampaign(name, self.work_time(start, at_start=True), by))
            for person in range(round(people * target / 300)):
                at = self.work_time(start + timedelta(days=self.rng.randrange(span)))
                at = max(at, campaigns[-1].created_at + timedelta(minutes=1))
                if invited:
                    self.invite(
                        self.account(at, by), at, by, number, bounce=(number, person) == (0, 7)
                    )
                else:
                    self.desk(self.account(at, by), at, by, number)
        while len(self.enrolments) < target - pending:
            back = timedelta(days=self.rng.uniform(0, self.rules.days - 3))
            at, by = self.work_time(self.now - back), self.rng.choice(cast.OPERATORS)
            if at < self.latest - timedelta(hours=1):
                self.desk(self.account(at, by), at, by, None)
        at = self.now - timedelta(hours=20)  # yesterday's invitation whose mail bounced
        self.invite(self.account(at, cast.OPERATORS[2]), at, cast.OPERATORS[2], None, bounce=True)
        live = []
        for number in range(pending):
            by = cast.OPERATORS[number % len(cast.OPERATORS)]
            at = self.now - timedelta(minutes=3 + 4 * number)
            live.append(DemoPending(self.account(at, by), None, by))
        return self.finish(tuple(campaigns), tuple(live))

    def finish(
        self, campaigns: tuple[DemoCampaign, ...], live: tuple[DemoPending, ...]
    ) -> DemoHistory:
        """Enrolments and invitations oldest first, their references renumbered to match."""
        order = sorted(range(len(self.enrolments)), key=lambda i: self.enrolments[i].issued_at)
        new = {old: position for position, old in enumerate(order)}
        enrolments = tuple(
            replace(e, supersedes=None if e.supersedes is None else new[e.supersedes])
            for e in (self.enrolments[i] for i in order)
        )
        invitations = sorted(self.invitations, key=lambda inv: inv.created_at)
        renumbered = tuple(
            replace(
                inv,
                events=tuple(
                    replace(e, enrolment=None if e.enrolment is None else new[e.enrolment])
                    for e in inv.events
                ),
            )
            for inv in invitations
        )
        accounts = tuple(self.accounts)
        return DemoHistory(accounts, campaigns, enrolments, renumbered, live, cast.OPERATORS)

    def pick(self, weights: dict[K, int]) -> K:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def work_time(self, day: datetime, *, at_start: bool = False) -> datetime:
        """A moment of the working day (08:00-17:30 UTC) of ``day``, or of the Friday before."""
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        start = day.replace(hour=8, minute=0, second=0, microsecond=0)
        return start + timedelta(seconds=0 if at_start else self.rng.uniform(600, 9.5 * 3600))

    def account(self, at: datetime, by: str) -> int:
        first, last = next(self.names)
        user = f"{first}.{last.replace(' ', '').lower()}"
        ids = [uuid.UUID(int=self.rng.getrandbits(128), version=4) for _ in range(2)]
        created = at - timedelta(seconds=self.rng.uniform(30, 600))
        shown = f"{first.title()} {last}"
        email = f"{user}@example.com"
        self.accounts.append(DemoAccount(ids[0], ids[1].hex, user, shown, email, created, by))
        return len(self.accounts) - 1

    def fits(self, at: datetime) -> bool:
        """Whether a QR code issued at ``at`` has ended before the history does."""
        return at + self.rules.qr_lifetime + timedelta(minutes=1) <= self.latest

    def code(
        self,
        account: int,
        at: datetime,
        by: str,
        campaign: int | None,
        ending: Status,
        supersedes: int | None = None,
    ) -> tuple[int, datetime]:
        """One QR code from its issue to ``ending``: its index and when it ended."""
        rng, life = self.rng, self.rules.qr_lifetime
        expires, api, device = at + life, ending.value, None
        events = [DemoEvent(at, None, Status.PENDING, by, issue_detail(expires))]
        last = Status.PENDING
        if ending in (Status.ENROLLED, Status.DECLINED, Status.FAILED):
            end = at + timedelta(
                seconds=min(life.total_seconds() * 0.6, rng.lognormvariate(3.2, 0.5))
            )
            if ending is not Status.FAILED:
                said = "The service reported 'SCANNED'."
                events.append(DemoEvent(end, last, Status.SCANNED, POLLER_ACTOR, said))
                last = Status.SCANNED
                end += timedelta(
                    seconds=min(life.total_seconds() * 0.3, rng.lognormvariate(2.4, 0.5))
                )
            detail = f"The service reported {api!r}."
            if ending is Status.ENROLLED:
                device = rng.choice(cast.DEVICES)
                detail += f" Device: {device}."
            events.append(DemoEvent(end, last, ending, POLLER_ACTOR, detail))
        else:
            api = Status.PENDING.value  # what the last poll said before the console ended it
            if ending is Status.EXPIRED:
                end = expires + timedelta(seconds=rng.uniform(1, 3))
                detail = f"The QR code expired at {iso(expires)} without an enrolment."
                events.append(DemoEvent(end, last, ending, EXPIRY_ACTOR, detail))
            else:
                end = at + timedelta(seconds=rng.uniform(40, 200))
                cancelled = ending is Status.CANCELLED
                said = "Cancelled by an operator." if cancelled else "A new QR code was issued."
                events.append(DemoEvent(end, last, ending, by, said))
        row = (account, campaign, ending, api, at, expires, end, device, by, tuple(events))
        self.enrolments.append(DemoEnrolment(*row, supersedes))
        return len(self.enrolments) - 1, end

    def desk(self, account: int, at: datetime, by: str, campaign: int | None) -> None:
        """A person at the desk: a QR code, and more while it did not work and they return."""
        weights, supersedes = cast.FIRST_TRY, None
        for _ in range(3):
            if not self.fits(at):
                return
            ending = self.pick(weights)
            index, end = self.code(account, at, by, campaign, ending, supersedes)
            if ending is Status.ENROLLED or self.rng.random() >= cast.RETRY[ending]:
                return
            weights, supersedes = cast.AGAIN, index if ending is Status.SUPERSEDED else None
            if ending is Status.SUPERSEDED:
                at = end + timedelta(milliseconds=5)
            else:
                later = end + timedelta(days=self.rng.choice((0, 1, 1, 2, 3, 7)))
                at = max(self.work_time(later), end + timedelta(minutes=30))

    def invite(
        self, account: int, at: datetime, by: str, campaign: int | None, *, bounce: bool = False
    ) -> None:
        """An invitation, what became of it, and what the operator did next."""
        rng, person = self.rng, self.accounts[account]
        lang = "nl" if campaign == 0 and rng.random() < 0.3 else "en"
        expires = at + self.rules.invite_lifetime
        horizon = min(expires, self.latest)
        notes = [
            DemoInvitationEvent(
                at, "CREATED", by,
                f"Invitation to {person.email} in {LANGUAGES[lang]}, valid until {iso(expires)}.",
            )
        ]  # fmt: skip
        letters = [
            mails.first_mail(self.rng, notes, at, by, lang, person.email if bounce else None)
        ]
        fate = (
            "bounced" if bounce else self.pick({"open": 76, "ignore": 12, "resend": 7, "revoke": 5})
        )
        ended: tuple[datetime, str, str] | None = None
        opened, again = None, None
        if fate in ("resend", "revoke"):
            t = at + timedelta(hours=rng.uniform(20, 70))
            if t < horizon:
                kind = "SUPERSEDED" if fate == "resend" else "REVOKED"
                said = (
                    "A new invitation was sent." if fate == "resend" else "Revoked by an operator."
                )
                ended, again = (t, by, kind), t if fate == "resend" else None
                notes.append(DemoInvitationEvent(t, kind, by, said))
        elif fate == "open":
            t = at + timedelta(hours=min(rng.lognormvariate(1.5, 1.2), 160.0))
            if self.fits(t) and t < horizon:
                opened, ended = t, self.opened(account, t, by, campaign, notes, horizon)
        if not bounce:
            letters += mails.reminders(
                self.rng, self.rules, notes, at, ended[0] if ended else horizon, lang
            )
        if ended is None and expires <= self.latest:
            detail = f"The invitation expired at {iso(expires)} without an enrolment."
            notes.append(DemoInvitationEvent(expires, "EXPIRED", EXPIRY_ACTOR, detail))
            ended = (expires, EXPIRY_ACTOR, "")
            later = self.work_time(expires + timedelta(days=rng.randint(1, 4)))
            if not bounce and rng.random() < 0.4 and later < self.latest - timedelta(hours=2):
                ended, again = (later, by, "SUPERSEDED"), later
                notes.append(
                    DemoInvitationEvent(later, "SUPERSEDED", by, "A new invitation was sent.")
                )
            elif (bounce or rng.random() < 0.5) and later < self.latest:
                self.desk(account, later, by, campaign)  # they came to the desk instead
        outcome = (ended[2] or None) if ended else None
        # An invitation that only expired has no end of its own, as the settle step leaves it.
        ended = ended if outcome else None
        self.invitations.append(
            DemoInvitation(
                account, campaign, person.email, lang, at, by, expires, opened,
                ended[0] if ended else None, ended[1] if ended else None, outcome,
                tuple(sorted(notes, key=lambda n: n.at)), tuple(letters),
            )
        )  # fmt: skip
        if again is not None:
            self.invite(account, again + timedelta(seconds=1), by, campaign)

    def opened(
        self,
        account: int,
        at: datetime,
        by: str,
        campaign: int | None,
        notes: list[DemoInvitationEvent],
        horizon: datetime,
    ) -> tuple[datetime, str, str] | None:
        """The person opened the link: QR codes on the public page until one enrols (the
        invitation's end) or they stop coming back (None)."""
        notes.append(DemoInvitationEvent(at, "OPENED", cast.PUBLIC_PAGE, "The link was opened."))
        for weights in ({Status.ENROLLED: 82, Status.EXPIRED: 14, Status.DECLINED: 4}, cast.AGAIN):
            ending = self.pick(weights)
            index, end = self.code(account, at, f"invitation ({by})", campaign, ending)
            shown = "A QR code was shown on the public page."
            notes.append(DemoInvitationEvent(at, "QR_ISSUED", cast.PUBLIC_PAGE, shown, index))
            if ending is Status.ENROLLED:
                device = self.enrolments[index].device_name
                said = f"Enrolled through the invitation: {device}."
                notes.append(DemoInvitationEvent(end, "ENROLLED", POLLER_ACTOR, said, index))
                return end, POLLER_ACTOR, "ENROLLED"
            at = end + timedelta(hours=self.rng.uniform(2, 50))  # back to the link later
            if self.rng.random() < 0.3 or not self.fits(at) or at >= horizon:
                return None
        return None
