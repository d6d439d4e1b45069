"""What a run may skip for want of a tool, and what CI (``REQUIRE_*=1``) forbids skipping."""

from __future__ import annotations

import os
import shutil

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def skip_or_fail(reason: str, env: str) -> None:
    """Skip with ``reason``, or fail when ``env`` says this run must not skip (CI)."""
    if os.environ.get(env, "") not in ("", "0"):
        pytest.fail(f"{reason} (and {env}=1 forbids skipping)")
    pytest.skip(reason)
