"""The devices panel's view-model: the push's live line, the push targets, the verify metrics,
and the Overview's verified share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from dashboard.domain.devices import (
    DeviceRecord,
    PushOutcome,
    PushRecord,
    VerifyFailure,
    VerifyProgress,
    VerifyReport,
)
from dashboard.domain.overview import Counts
from dashboard.views import devices as view
from dashboard.views.overview import headline

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
PHONE = DeviceRecord("d1", "Pixel 8", "android", NOW, None)
TABLET = DeviceRecord("d2", "iPad", "ios", NOW, NOW)


def push(status: PushOutcome, **fields: object) -> PushRecord:
    values: dict[str, object] = {
        "id": 1,
        "account_id": uuid.uuid4(),
        "device_id": None,
        "device_name": None,
        "status": status,
        "api_status": status.value,
        "created_at": NOW - timedelta(seconds=12),
        "created_by": "ann@example.com",
        "finished_at": None,
        "last_error": None,
    }
    values.update(fields)
    return PushRecord(**values)  # type: ignore[arg-type]


def test_each_outcome_reads_as_a_sentence() -> None:
    waiting = view.push_line(push(PushOutcome.PENDING), NOW)
    assert waiting.kind == "info"
    assert waiting.text == (
        "Waiting for the person to approve the test push on all devices "
        "(sent by ann@example.com 12 s ago)."
    )
    approved = view.push_line(push(PushOutcome.APPROVED, device_name="Pixel 8"), NOW)
    assert (approved.kind, approved.text.split(":")[0]) == ("success", "Verified on Pixel 8")
    denied = view.push_line(push(PushOutcome.DENIED, last_error=None), NOW)
    assert denied.kind == "error"
    late = view.push_line(push(PushOutcome.PENDING, last_error="The service is down."), NOW)
    assert late.text.endswith("Last check: The service is down.")


def test_targets_offer_every_device_only_when_there_are_several() -> None:
    assert view.targets([PHONE]) == {"d1": "Pixel 8 (android)"}
    assert view.targets([PHONE, TABLET]) == {
        "": "All devices",
        "d1": "Pixel 8 (android)",
        "d2": "iPad (ios)",
    }
    assert view.device_rows([PHONE])[0]["Device"] == "Pixel 8"


def test_the_newest_approval_is_the_proof() -> None:
    older = push(PushOutcome.APPROVED, id=1)
    newer = push(PushOutcome.DENIED, id=2)
    assert view.verified([newer, older]) == older
    assert view.verified([newer]) is None


def test_verify_metrics() -> None:
    report = VerifyReport(7, 3, 2, (VerifyFailure("zoe", "No device."),))
    assert [(m.label, m.value) for m in view.report(report)] == [
        ("Enrolled accounts", 3),
        ("Test pushes sent", 2),
        ("Not sent", 1),
    ]
    assert view.failure_rows(report) == [{"Username": "zoe", "Why": "No device."}]
    progress = VerifyProgress(7, ((PushOutcome.APPROVED, 3), (PushOutcome.PENDING, 1)))
    shown = {m.label: m for m in view.progress(progress)}
    assert (shown["Verified phones"].value, shown["Verified phones"].delta) == (3, "75% of pushed")


def test_the_overview_shows_the_verified_share_beside_the_enrolled() -> None:
    counts = Counts(10, 2, 8, 1, 3, 1, verified=6)
    shown = {m.label: m for m in headline(counts)}
    assert shown["Enrolled"].value == 8
    assert (shown["Verified"].value, shown["Verified"].delta) == (6, "75% of enrolled")
