"""The mails of a demo invitation and the events their sending left: the invitation (sent, or
bounced on every attempt) and the schedule's reminders. No token hash: a made-up history holds
no working link."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from dashboard.domain import demo_cast as cast
from dashboard.domain.demo_records import DemoInvitationEvent, DemoMail, DemoRules


def first_mail(
    rng: random.Random,
    notes: list[DemoInvitationEvent],
    at: datetime,
    by: str,
    lang: str,
    bounce: str | None,
) -> DemoMail:
    """The invitation's mail, queued at ``at`` by ``by``: sent at once, or, when ``bounce``
    names the address, refused on every attempt (a FAILED mail an operator can retry)."""
    subject = cast.SUBJECTS[lang][0]
    if bounce is None:
        sent = at + timedelta(seconds=rng.uniform(2, 30))
        notes.append(DemoInvitationEvent(sent, "SENT", cast.MAILER, "invitation"))
        return DemoMail(0, subject, at, by, "SENT", 1, sent)
    error, t = cast.BOUNCE.format(bounce), at
    for attempt, wait in enumerate(cast.SEND_WAITS, 1):
        t += timedelta(minutes=wait, seconds=rng.uniform(1, 20))
        said = f"attempt {attempt}: {error}"
        notes.append(DemoInvitationEvent(t, "SEND_FAILED", cast.MAILER, said))
    return DemoMail(0, subject, at, by, "FAILED", len(cast.SEND_WAITS), None, error)


def reminders(
    rng: random.Random,
    rules: DemoRules,
    notes: list[DemoInvitationEvent],
    at: datetime,
    stop: datetime,
    lang: str,
) -> list[DemoMail]:
    """The reminders of an invitation created at ``at`` that were sent before ``stop`` (its
    end, or now), each queued when due and sent a moment later."""
    sent_ones = []
    for step, after in enumerate(rules.reminders, 1):
        due = at + after
        sent = due + timedelta(seconds=rng.uniform(2, 40))
        if sent >= stop:
            break
        notes.append(DemoInvitationEvent(sent, "SENT", cast.MAILER, f"reminder {step}"))
        subject = cast.SUBJECTS[lang][1]
        sent_ones.append(DemoMail(step, subject, due, cast.MAILER, "SENT", 1, sent))
    return sent_ones
