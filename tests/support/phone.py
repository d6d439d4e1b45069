"""The person's phone: opens the simulator's device page (the scan), confirms or declines."""

from __future__ import annotations

import uuid

from tests.support.console import Console
from tests.support.simulator import Simulator


class Phone:
    """The phone of whoever ``user_id`` is, acting on ``simulator``'s device pages.

    A user is named by the id the API knows (``AccountView.reference``: the tenant's id), or by
    a local account id, which ``console`` (when given) turns into that reference.
    """

    def __init__(self, simulator: Simulator, console: Console | None = None) -> None:
        self.simulator = simulator
        self.console = console

    def reference(self, user_id: uuid.UUID | str) -> str:
        """The id the simulator knows the user by."""
        if isinstance(user_id, uuid.UUID) and self.console is not None:
            return self.console.accounts.get(user_id).reference
        return str(user_id)

    def device_url(self, user_id: uuid.UUID | str) -> str:
        """Where the current QR code of ``user_id`` leads."""
        return str(self.simulator.enrolment(self.reference(user_id))["deviceUrl"])

    def scan(self, user_id: uuid.UUID | str) -> None:
        """Open the device page, as scanning the code does."""
        response = self.simulator.http.get(self.device_url(user_id))
        assert response.status_code == 200, response.text

    def finish(
        self, user_id: uuid.UUID | str, action: str, device_name: str = "Test phone"
    ) -> None:
        """``action`` is ``confirm`` or ``decline``."""
        url = self.device_url(user_id)
        response = self.simulator.http.post(
            url, data={"action": action, "device_name": device_name}
        )
        assert response.status_code == 200, response.text
