"""The Enrol device page as plain data: what one enrolment's status panel says and offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from dashboard.domain.records import AccountView, EnrolmentView
from dashboard.domain.roles import Permission
from dashboard.domain.statuses import ACTIVE, Status, is_known
from dashboard.views.blocks import Notice
from dashboard.views.looks import countdown, duration, look

__all__ = [
    "ISSUE",
    "AccountView",
    "Action",
    "Actions",
    "EnrolmentView",
    "Panel",
    "panel",
    "watching",
]


@dataclass(frozen=True)
class Action:
    """A button: it cancels the enrolment on screen, or issues a new QR code."""

    label: str
    icon: str
    permission: Permission
    primary: bool = False
    wide: bool = False  # fills its column (cancel and re-issue sit side by side)

    @property
    def cancels(self) -> bool:
        return self.permission is Permission.CANCEL

    @property
    def kind(self) -> Literal["primary", "secondary"]:
        return "primary" if self.primary else "secondary"

    @property
    def width(self) -> Literal["stretch", "content"]:
        return "stretch" if self.wide else "content"


Actions = tuple[Action, ...]
ISSUE = Action("Issue QR code", ":material/qr_code_2:", Permission.ISSUE, primary=True)
CANCEL = Action("Cancel", ":material/cancel:", Permission.CANCEL, wide=True)
REISSUE = Action("Re-issue", ":material/refresh:", Permission.REISSUE, wide=True)
#: The QR code's caption, and what shows instead once it is no longer valid.
QR_CAPTIONS = ("Scan with the phone to enrol", "The QR code is no longer valid.")
ISSUE_NEW = Action("Issue a new QR code", ":material/qr_code_2:", Permission.ISSUE, primary=True)


@dataclass(frozen=True)
class Panel:
    """The status panel. An ``active`` enrolment shows a countdown with cancel and re-issue;
    an ended one says how it ended beside a button for a new QR code."""

    status: Status
    notes: tuple[Notice, ...]  # what the service reports, and how an ended one ended
    active: bool
    expires_in: str
    actions: Actions


def panel(enrolment: EnrolmentView, now: datetime) -> Panel:
    """How ``enrolment`` reads at ``now``."""
    active = enrolment.status in ACTIVE
    notes = []
    api = enrolment.api_status
    if api and api.upper() != enrolment.status.value:
        if is_known(api):
            notes.append(Notice("caption", f"The service reports: {api}"))
        else:
            notes.append(
                Notice(
                    "warning",
                    f"The service reports a status the console does not know: {api}. "
                    "It keeps checking.",
                    ":material/help:",
                )
            )
    if enrolment.last_error and active:
        notes.append(Notice("warning", f"Last check failed: {enrolment.last_error}"))
    if enrolment.status is Status.ENROLLED:
        device = enrolment.device_name or "a device"
        took = duration(enrolment.time_to_enrol)
        notes.append(
            Notice("success", f"Enrolled “{device}” in {took}.", ":material/check_circle:")
        )
    elif not active:
        notes.append(Notice("error", look(enrolment.status).sentence, ":material/error:", own=True))
    expires_in = countdown(enrolment.expires_at, now)
    actions = (CANCEL, REISSUE) if active else (ISSUE_NEW,)
    return Panel(enrolment.status, tuple(notes), active, expires_in, actions)


def watching(
    active: EnrolmentView | None, latest: EnrolmentView | None, watched: int | None
) -> EnrolmentView | None:
    """The enrolment to follow live: the active one, or the one just acted on; else None."""
    if latest is not None and (active is not None or watched == latest.id):
        return latest
    return None
