"""The devices panel and a campaign's bulk verify as plain data: the device table, the test
push's live line, the push targets and the verify report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dashboard.domain.devices import (
    ALL_DEVICES,
    DeviceRecord,
    PushOutcome,
    PushRecord,
    VerifyProgress,
    VerifyReport,
)
from dashboard.views.blocks import Kind, Metric, Notice, share

#: The icon and notice kind of each push outcome.
_LOOKS: dict[PushOutcome, tuple[Kind, str]] = {
    PushOutcome.PENDING: ("info", ":material/hourglass_top:"),
    PushOutcome.APPROVED: ("success", ":material/verified:"),
    PushOutcome.DENIED: ("error", ":material/block:"),
    PushOutcome.EXPIRED: ("warning", ":material/timer_off:"),
    PushOutcome.ERROR: ("error", ":material/error:"),
}
NO_DEVICES = "The service lists no device for this account."
REMOVAL_OFF = (
    "Removing a device needs the tenant's removal path (OMI_DEVICE_REMOVE_PATH); it is not set."
)


def device_rows(devices: Sequence[DeviceRecord]) -> list[dict[str, object]]:
    """The device table's rows."""
    return [
        {
            "Device": d.name,
            "Platform": d.platform,
            "Enrolled": d.enrolled_at,
            "Last used": d.last_used_at,
            "Id": d.id,
        }
        for d in devices
    ]


def targets(devices: Sequence[DeviceRecord]) -> dict[str, str]:
    """Where a test push can go: "" for every device, else a device id, with its label."""
    named = {d.id: f"{d.name} ({d.platform})" if d.platform else d.name for d in devices}
    return {"": ALL_DEVICES.capitalize(), **named} if len(devices) != 1 else named


def push_line(push: PushRecord, now: datetime) -> Notice:
    """The live line of a test push."""
    kind, icon = _LOOKS[push.status]
    target = push.target
    sent = f"sent by {push.created_by} {_ago(push.created_at, now)}"
    text = {
        PushOutcome.PENDING: f"Waiting for the person to approve the test push on {target} "
        f"({sent}).",
        PushOutcome.APPROVED: f"Verified on {target}: the test push was approved ({sent}).",
        PushOutcome.DENIED: f"The test push to {target} was denied on the phone ({sent}).",
        PushOutcome.EXPIRED: f"The test push to {target} expired unanswered ({sent}).",
        PushOutcome.ERROR: f"The test push to {target} failed ({sent}).",
    }[push.status]
    if push.last_error and push.status is not PushOutcome.APPROVED:
        text += f" Last check: {push.last_error}"
    return Notice(kind, text, icon)


def verified(pushes: Sequence[PushRecord]) -> PushRecord | None:
    """The newest approved push among ``pushes``, if any."""
    return next((p for p in pushes if p.status is PushOutcome.APPROVED), None)


def report(shown: VerifyReport) -> list[Metric]:
    """What a bulk verify just did."""
    return [
        Metric("Enrolled accounts", shown.accounts),
        Metric("Test pushes sent", shown.sent, delta=share(shown.sent, shown.accounts)),
        Metric("Not sent", len(shown.failures)),
    ]


def progress(shown: VerifyProgress) -> list[Metric]:
    """A campaign's verification so far (each account's newest push)."""
    total = shown.total
    return [
        Metric(
            "Verified phones",
            shown.count(PushOutcome.APPROVED),
            delta=share(shown.count(PushOutcome.APPROVED), total, " of pushed"),
        ),
        Metric("Awaiting approval", shown.count(PushOutcome.PENDING)),
        Metric("Denied on the phone", shown.count(PushOutcome.DENIED)),
        Metric(
            "Unanswered or failed",
            shown.count(PushOutcome.EXPIRED) + shown.count(PushOutcome.ERROR),
        ),
    ]


def failure_rows(shown: VerifyReport) -> list[dict[str, str]]:
    """The accounts a bulk verify left out, and why."""
    return [{"Username": f.username, "Why": f.reason} for f in shown.failures]


def _ago(at: datetime, now: datetime) -> str:
    seconds = max(0, int((now - at).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"at {at:%Y-%m-%d %H:%M} UTC"
