"""The registration journey: where the device step goes, and what comes next."""

from __future__ import annotations

import pytest

from dashboard.domain.journey import Step, journey, next_step


def test_the_journey_puts_the_device_step_where_asked() -> None:
    assert journey(Step.SIGN_UP)[1] is Step.DEVICE
    assert journey(Step.PROFILE) == (
        Step.SIGN_UP,
        Step.NOTIFICATIONS,
        Step.PROFILE,
        Step.DEVICE,
        Step.WELCOME,
    )
    assert next_step(journey(Step.NOTIFICATIONS), Step.DEVICE) is Step.PROFILE
    assert next_step(journey(Step.SIGN_UP), Step.WELCOME) is Step.WELCOME
    with pytest.raises(ValueError, match="cannot come after"):
        journey(Step.WELCOME)
