"""The composition root's mail: in demo mode without SMTP_HOST the outbox sends to the built-in
catcher (its Maildir beside the SQLite file) and the mailer runs; on a tenant without SMTP_HOST
the outbox says what to set and keeps every mail; with SMTP_HOST it sends there; close stops
the mailer and the catcher."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.services import Services, build_services
from dashboard.settings import ROOT, load_settings
from dashboard.wiring import maildir_for
from simulator.embedded import RunningSimulator
from tests.support.apptest import console_env
from tests.support.mailserver import mail_server


@contextmanager
def services(env: dict[str, str]) -> Iterator[Services]:
    built = build_services(load_settings({"POLL_INTERVAL": "5", "PUBLIC_PORT": "0", **env}, None))
    try:
        yield built
    finally:
        built.close()


def test_demo_mode_sends_to_the_catcher_beside_the_database(tmp_path: Path) -> None:
    with services({"DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'console.db'}"}) as demo:
        assert demo.catcher is not None
        assert demo.catcher.running
        assert demo.catcher.maildir == (tmp_path / "data" / "mail").resolve()
        assert demo.outbox.can_send
        assert demo.outbox.catching
        assert demo.mailer.running
        links = demo.invitation_links
        assert demo.mailer.jobs == (links.settle, links.remind_due, demo.outbox.send_due)
        assert demo.outbox.summary().problem is None
        catcher, mailer = demo.catcher, demo.mailer
    assert not catcher.running
    assert not mailer.running


def test_a_tenant_without_smtp_host_keeps_the_mails_and_says_so(
    tmp_path: Path, simulator: RunningSimulator
) -> None:
    env = console_env(simulator, f"sqlite:///{tmp_path / 'console.db'}")
    with services({**env, "SCIM_VERSION": "off"}) as tenant:
        assert tenant.catcher is None
        assert not tenant.outbox.can_send
        problem = tenant.outbox.summary().problem
        assert problem is not None
        assert "Set SMTP_HOST" in problem
        assert tenant.outbox.send_due() == 0


def test_smtp_host_is_where_the_mails_go(tmp_path: Path) -> None:
    with mail_server() as server:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
            "SMTP_HOST": server.host,
            "SMTP_PORT": str(server.port),
            "SMTP_SECURITY": "none",
            "SMTP_PASSWORD": "never-shown-anywhere",
        }
        with services(env) as configured:
            assert configured.catcher is None
            assert configured.outbox.can_send
            assert f"{server.host}:{server.port}" in repr(configured.outbox)
            assert "never-shown-anywhere" not in repr(configured)


def test_the_maildir_is_beside_a_sqlite_file_or_under_data() -> None:
    assert maildir_for("sqlite:////srv/console/console.db") == Path("/srv/console/mail")
    assert maildir_for("postgresql+psycopg://u@h/db") == ROOT / "data" / "mail"
    assert maildir_for("sqlite:///:memory:") == ROOT / "data" / "mail"
