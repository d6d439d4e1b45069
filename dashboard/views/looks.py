"""How statuses and times read on screen; plain data, no Streamlit, so it is testable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.domain.statuses import Status

BadgeColor = str  # one of Streamlit's badge colours


@dataclass(frozen=True)
class StatusLook:
    label: str
    color: BadgeColor
    icon: str
    sentence: str
    chart: str
    """The colour of the status in charts (hex)."""


LOOKS: dict[Status, StatusLook] = {
    Status.PENDING: StatusLook(
        "Pending",
        "blue",
        ":material/hourglass_top:",
        "Waiting for the phone to scan the QR code.",
        "#1c83e1",
    ),
    Status.SCANNED: StatusLook(
        "Scanned",
        "orange",
        ":material/smartphone:",
        "Scanned. Waiting for the person to confirm.",
        "#ff8700",
    ),
    Status.ENROLLED: StatusLook(
        "Enrolled", "green", ":material/check_circle:", "The device is enrolled.", "#21c354"
    ),
    Status.EXPIRED: StatusLook(
        "Expired",
        "gray",
        ":material/timer_off:",
        "The QR code expired before it was used.",
        "#a3a8b8",
    ),
    Status.DECLINED: StatusLook(
        "Declined",
        "red",
        ":material/block:",
        "The person declined the enrolment on the phone.",
        "#ff4b4b",
    ),
    Status.CANCELLED: StatusLook(
        "Cancelled", "gray", ":material/cancel:", "An operator cancelled this enrolment.", "#6d7280"
    ),
    Status.SUPERSEDED: StatusLook(
        "Superseded",
        "gray",
        ":material/swap_horiz:",
        "A newer QR code replaced this one.",
        "#d5d8e0",
    ),
    Status.FAILED: StatusLook(
        "Failed",
        "red",
        ":material/error:",
        "The service reported that the enrolment failed.",
        "#a51d2d",
    ),
}


#: Each status's chart colour: close to its badge colour, with the greys told apart.
CHART_COLOURS: dict[Status, str] = {status: shown.chart for status, shown in LOOKS.items()}


def look(status: Status) -> StatusLook:
    """How ``status`` is shown: label, badge colour, icon and a sentence."""
    return LOOKS[status]


def countdown(expires_at: datetime, now: datetime) -> str:
    """``m:ss`` left until ``expires_at``, or ``expired``."""
    left = int((expires_at - now).total_seconds())
    if left <= 0:
        return "expired"
    return f"{left // 60}:{left % 60:02d}"


def duration(value: timedelta | None) -> str:
    """A short human duration such as ``42 s`` or ``3 min 5 s``; empty for None."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
