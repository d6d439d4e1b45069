"""The person's phone: opens the simulator's device page (the scan), confirms or declines."""

from __future__ import annotations

import uuid

from tests.support.simulator import Simulator


class Phone:
    """The phone of whoever ``user_id`` is, acting on ``simulator``'s device pages."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    def device_url(self, user_id: uuid.UUID) -> str:
        """Where the current QR code of ``user_id`` leads."""
        return str(self.simulator.enrolment(user_id)["deviceUrl"])

    def scan(self, user_id: uuid.UUID) -> None:
        """Open the device page, as scanning the code does."""
        response = self.simulator.http.get(self.device_url(user_id))
        assert response.status_code == 200, response.text

    def finish(self, user_id: uuid.UUID, action: str, device_name: str = "Test phone") -> None:
        """``action`` is ``confirm`` or ``decline``."""
        url = self.device_url(user_id)
        response = self.simulator.http.post(
            url, data={"action": action, "device_name": device_name}
        )
        assert response.status_code == 200, response.text
