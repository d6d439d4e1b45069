"""The registration demo's journey: the vendor's sign-up steps with device enrolment inserted
anywhere after the account exists (shared/seed: "Adding Mobile Identity to your registration
process"). Plain data; the page keeps where the user is in its session state."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """One screen of the sign-up journey."""

    SIGN_UP = "Sign up"
    NOTIFICATIONS = "Notifications"
    PROFILE = "Profile"
    DEVICE = "Enrol device"
    WELCOME = "Welcome"


BASE_JOURNEY = (Step.SIGN_UP, Step.NOTIFICATIONS, Step.PROFILE, Step.WELCOME)

#: Where device enrolment may go: after any step once the account exists (sign-up creates it).
PLACEMENTS: dict[str, Step] = {
    "After account creation": Step.SIGN_UP,
    "After notification preferences": Step.NOTIFICATIONS,
    "After the profile": Step.PROFILE,
}


def journey(after: Step) -> tuple[Step, ...]:
    """The steps in order, with ``Step.DEVICE`` right after ``after``."""
    if after not in PLACEMENTS.values():
        raise ValueError(f"device enrolment cannot come after {after}")
    at = BASE_JOURNEY.index(after) + 1
    return (*BASE_JOURNEY[:at], Step.DEVICE, *BASE_JOURNEY[at:])


def next_step(steps: tuple[Step, ...], current: Step) -> Step:
    """The step after ``current`` (the last step stays where it is)."""
    at = steps.index(current)
    return steps[min(at + 1, len(steps) - 1)]
