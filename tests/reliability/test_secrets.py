"""Secrets and exposure: the client secret and every access token the simulator issued never
appear in what the pages send to the browser, in the logs, in exception texts or in the
``repr()`` of the settings, the client and the services; ``secrets.toml`` is git-ignored;
device codes are one-time and carry at least 128 random bits; text from operators and from the
API never renders as Markdown or HTML.

The simulator's ``/_sim/`` controls are refused on a non-loopback address unless enabled:
tests/simulator/test_controls.py (``test_controls_refused_on_a_non_loopback_host`` and the
next two tests) covers that; it is not repeated here.
"""

from __future__ import annotations

import base64
import logging
import subprocess
import traceback
from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.errors import ApiError
from dashboard.services import build_services
from dashboard.settings import load_settings
from dashboard.ui.pages import NAMES
from tests.support.apptest import (
    ROOT,
    Env,
    assert_no_exception,
    assert_rendered_harmlessly,
    everything,
    labelled,
    open_page,
    run_until,
    texts,
)
from tests.support.console import Console
from tests.support.phone import Phone
from tests.support.simulator import Simulator

HOSTILE_DEVICE = "**pwned** <img src=x onerror=alert(1)> [x](http://evil.example)"


def exception_texts(exc: BaseException) -> list[str]:
    """Everything an exception can show: str, repr, args, the formatted chain."""
    return [
        str(exc),
        repr(exc),
        *map(repr, exc.args),
        "".join(traceback.format_exception(exc)),
    ]


def leaked(secrets: set[str], haystack: list[str]) -> list[str]:
    text = "\n".join(haystack)
    return [f"{s[:6]}…" for s in secrets if s and s in text]


def test_no_secret_in_pages_logs_errors_or_reprs(
    env: Env,
    seeder: Console,
    api: Simulator,
    phone: Phone,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    haystack: list[str] = []
    account = seeder.accounts.create("sam", actor="test")

    # An operator's day: issue, a revoked token, a refused client, the System page's check.
    enrol = open_page("enrol", account=str(account.id))
    labelled(enrol.button, "Issue QR code").click()
    enrol.run()
    api.revoke()
    labelled(enrol.button, "Re-issue").click()
    enrol.run()
    api.fault("token", status=401, count=100)
    api.revoke()
    labelled(enrol.button, "Re-issue").click()
    enrol.run()
    assert any("client id or secret was refused" in e.value for e in enrol.error)
    api.clear()
    system = open_page("system")
    labelled(system.button, "Check connectivity").click()
    system.run()
    phone.finish(account.id, "confirm")
    run_until(enrol, lambda at: "The device is enrolled." in texts(at))
    for at in [enrol, system, *(open_page(name) for name in NAMES)]:
        assert_no_exception(at)
        haystack.append(everything(at))

    # The same services the app builds, their reprs and the errors they raise.
    services = build_services(load_settings())
    try:
        haystack += [
            repr(services),
            repr(services.settings),
            repr(services.omi_settings),
            repr(services.omi),
            str(services.omi_settings.client_secret),
        ]
        api.fault("token", status=401)
        api.revoke()
        with pytest.raises(ApiError) as refused:
            services.omi.enrol(account.reference)
        haystack += exception_texts(refused.value)
        api.fault("enrol", status=500, count=2)
        with pytest.raises(ApiError) as failed:
            services.omi.enrol(account.reference)
        haystack += exception_texts(failed.value)
        haystack.append(services.omi.check().message)
    finally:
        services.close()
    haystack.append(caplog.text)

    secrets = api.secrets()
    assert len(secrets) >= 4, "the scan saw the secret and several tokens"
    assert not leaked(secrets, haystack)
    assert leaked(secrets, [f"Bearer {max(secrets)}"]), "the scan finds a planted leak"


def test_secrets_toml_is_ignored_and_only_the_example_is_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, ".streamlit/secrets.toml is not git-ignored"
    tracked = subprocess.run(
        ["git", "ls-files", ".streamlit"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".streamlit/secrets.example.toml" in tracked
    assert ".streamlit/secrets.toml" not in tracked


def code_of(device_url: str) -> str:
    return urlsplit(device_url).path.rsplit("/", 1)[1]


def test_device_codes_are_unguessable_and_one_time(
    env: Env, seeder: Console, api: Simulator, phone: Phone
) -> None:
    accounts = [seeder.accounts.create(f"code{i}", actor="test").id for i in range(20)]
    codes: list[str] = []
    for account in accounts:
        seeder.enrolments.issue(account, actor="test")
        codes.append(code_of(phone.device_url(account)))
    superseded_url = phone.device_url(accounts[0])
    seeder.enrolments.issue(accounts[0], actor="test")
    codes.append(code_of(phone.device_url(accounts[0])))

    assert len(set(codes)) == len(codes)
    for code in codes:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        assert len(raw) * 8 >= 128, f"a device code of {len(raw) * 8} bits"
    http = api.http
    assert http.get(superseded_url).status_code == 410  # superseded: dead
    used = phone.device_url(accounts[1])
    phone.finish(accounts[1], "confirm")
    assert http.get(used).status_code == 410  # used once: dead
    assert http.post(used, data={"action": "confirm"}).status_code == 410
    guessed = used.rsplit("/", 1)[0] + "/" + "A" * len(code_of(used))
    assert http.get(guessed).status_code == 404


def test_api_text_and_device_names_render_escaped(
    env: Env, seeder: Console, api: Simulator, phone: Phone
) -> None:
    account = seeder.accounts.create("a_b_c", actor="test")
    at = open_page("enrol", account=str(account.id))
    labelled(at.button, "Issue QR code").click()
    at.run()
    phone.finish(account.id, "confirm", device_name=HOSTILE_DEVICE)
    run_until(at, lambda page: "The device is enrolled." in texts(page))
    assert_no_exception(at)
    assert_rendered_harmlessly(at, HOSTILE_DEVICE, "a_b_c")
    assert any(HOSTILE_DEVICE in s.value.replace("\\", "") for s in at.success)

    table = open_page("enrolments")
    assert_no_exception(table)
    assert_rendered_harmlessly(table, HOSTILE_DEVICE, "a_b_c")
    assert list(table.dataframe[0].value["Username"]) == ["a_b_c"]


def test_pages_render_no_raw_html(env: Env, seeder: Console) -> None:
    seeder.accounts.create("x_y", actor="test")
    for name in NAMES:
        at: AppTest = open_page(name)
        assert_no_exception(at)
        assert "allow_html: true" not in everything(at), f"{name} renders raw HTML"
