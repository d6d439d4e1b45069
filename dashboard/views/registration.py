"""The Registration demo page as plain data: the journey's choices, the step indicator, the
actor recorded, what the welcome screen says and the session keys to forget on start-over."""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.domain.journey import PLACEMENTS, Step

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
