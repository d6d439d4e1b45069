"""The Registration demo page as plain data: the journey's choices, the step indicator, the
actor recorded, the wait for the scan, what the welcome screen says and the session keys to
forget on start-over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from dashboard.domain.journey import PLACEMENTS, Step
from dashboard.domain.records import AccountView, EnrolmentView
from dashboard.domain.statuses import ACTIVE, Status
from dashboard.views.looks import countdown

INTRO = (
    "A website's sign-up, as its user sees it. The site creates the account first, then asks "
    "for a Mobile Identity device at the point chosen here; the QR code and the wait for the "
    "scan are exactly what a website would show."
)
ACTOR = "self-registration"
DEFAULT_PLACEMENT = next(iter(PLACEMENTS))
CHANNELS = ("E-mail", "SMS", "Push")
FREQUENCIES = ("As it happens", "Daily digest", "Weekly digest")
LANGUAGES = ("English", "Nederlands", "Français", "Deutsch")
#: What the demo keeps in the session; Start over forgets all of it.
STATE_KEYS = ("reg-step", "reg-after", "reg-account", "reg-username", "reg-enrolment",
              "reg-prefs", "reg-profile", "reg-device")  # fmt: skip


def actor(operator: str) -> str:
    """Who to record: the website's self-registration, run by the signed-in operator."""
    return f"{ACTOR} ({operator})"


def placement_index(frozen: str | None) -> int:
    """The placement shown as chosen: the one fixed by the account, else the first."""
    return list(PLACEMENTS).index(frozen) if frozen in PLACEMENTS else 0


def signed_up(account: AccountView, placement: str) -> dict[str, object]:
    """What the session keeps once the account exists; the placement is fixed from then on."""
    return {
        "reg-account": str(account.id),
        "reg-username": account.username,
        "reg-after": placement,
    }


@dataclass(frozen=True)
class Scan:
    """The wait for the scan: the status, and while ``active`` the countdown; ``device`` is
    the enrolled device's name once the phone confirmed (the journey then moves on)."""

    account_id: UUID
    status: Status
    active: bool
    expires_in: str
    device: str | None


def scan(enrolment: EnrolmentView, now: datetime) -> Scan:
    """How the wait for ``enrolment``'s scan reads at ``now``."""
    enrolled = enrolment.status is Status.ENROLLED
    return Scan(
        enrolment.account_id,
        enrolment.status,
        enrolment.status in ACTIVE,
        countdown(enrolment.expires_at, now),
        (enrolment.device_name or "your device") if enrolled else None,
    )


def indicator(steps: tuple[Step, ...], current: Step) -> list[str]:
    """One Markdown label per step: done ones ticked, the current one bold, the rest grey."""
    at = steps.index(current)
    return [
        f":green[:material/check_circle: {step}]"
        if index < at
        else f"**:blue[:material/radio_button_checked: {step}]**"
        if index == at
        else f":gray[:material/radio_button_unchecked: {step}]"
        for index, step in enumerate(steps)
    ]


def welcome(state: Mapping[str, object]) -> tuple[str, list[str]]:
    """The greeting and the lines under it, from what the journey collected in ``state``."""
    lines = []
    if state.get("reg-device"):
        lines.append(f"Device enrolled for signing in: {state['reg-device']}")
    profile = state.get("reg-profile") or {}
    prefs = state.get("reg-prefs") or {}
    assert isinstance(profile, dict)
    assert isinstance(prefs, dict)
    if profile.get("name"):
        lines.append(f"Display name: {profile['name']}  ·  Language: {profile.get('language', '')}")
    if prefs:
        channels = ", ".join(prefs.get("channels", [])) or "none"
        lines.append(f"Notifications: {channels}  ·  {prefs.get('frequency', '')}")
    return f"Welcome aboard, {state.get('reg-username', '')}.", lines
