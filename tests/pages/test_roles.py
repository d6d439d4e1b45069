"""Sign-in and roles in the pages (AppTest): what each role sees and may do, the sign-in,
no-access and refusal pages, local demo mode, and the Audit page.

``at.secrets`` carries an ``[auth]`` section (what turns sign-in on for the app) and
``at.user`` the identity token's claims, as Streamlit's ``st.user`` would after a sign-in.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from dashboard.ui.widgets import plain
from tests.support.apptest import (
    APP,
    RUN_TIMEOUT,
    Env,
    assert_no_exception,
    go,
    labelled,
    page_path,
    signed_in,
    texts,
)
from tests.support.console import Console

ADMIN = "ann@example.com"
OPERATOR = "oscar@example.com"
VIEWER = "vera@example.com"
VIEWER_PAGES = {"overview", "accounts", "enrol", "enrolments", "queue", "outbox"}
OPERATOR_PAGES = VIEWER_PAGES | {"registration", "bulk"}
ADMIN_PAGES = OPERATOR_PAGES | {"system", "audit"}


@pytest.fixture(autouse=True)
def _roles(isolated_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Roles for ann, oscar and vera (after the environment is cleared of ROLES_*)."""
    monkeypatch.setenv("ROLES_ADMINS", ADMIN)
    monkeypatch.setenv("ROLES_OPERATORS", f"{OPERATOR}, group:enrolment-desk")
    monkeypatch.setenv("ROLES_VIEWERS", VIEWER)


def visible_pages(at: AppTest) -> set[str]:
    """The console pages the navigation registered in the last run (what the sidebar lists;
    a sign-in, no-access or refusal page is a function, not a file)."""
    paths = [str(info["script_path"]) for info in at._registered_pages.values()]
    return {Path(path).stem for path in paths if path}


def existing(pages: set[str]) -> set[str]:
    """``pages`` that exist in this tree (the bulk page may not have landed yet)."""
    folder = Path(APP).parent.parent / "pages"
    return {name for name in pages if (folder / f"{name}.py").exists()}


@pytest.fixture
def account(seeder: Console) -> str:
    """An account with a pending enrolment, created by someone else."""
    made = seeder.accounts.create("alice", actor="seed@example.com")
    seeder.enrolments.issue(made.id, actor="seed@example.com")
    return str(made.id)


def test_sign_in_page_before_anybody_signs_in(env: Env) -> None:
    at = signed_in(None)
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Enrolment console"]
    assert labelled(at.button, "Sign in").proto.type == "primary"
    assert visible_pages(at) == set()
    assert "Demo mode" not in texts(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page_path("accounts"))


def test_named_providers_get_a_button_each(env: Env) -> None:
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT)
    at.secrets = {
        "auth": {
            "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
            "cookie_secret": "a-test-cookie-secret-of-some-length",
            "google": {"client_id": "g", "client_secret": "s", "server_metadata_url": "x"},
            "microsoft": {"client_id": "m", "client_secret": "s", "server_metadata_url": "y"},
        }
    }
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in with google", "Sign in with microsoft"]


def test_an_unlisted_person_is_told_to_ask_an_admin(env: Env) -> None:
    at = signed_in("stranger@example.com")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["No access yet"]
    shown = texts(at)
    assert plain("stranger@example.com") in shown
    assert "Ask an admin" in shown
    assert visible_pages(at) == set()
    assert labelled(at.button, "Sign out")


def test_unverified_email_gets_no_role(env: Env) -> None:
    at = signed_in(ADMIN, email_verified=False)
    assert [t.value for t in at.title] == ["No access yet"]
    assert "verified e-mail address" in texts(at)


def test_the_default_role_admits_everyone_signed_in(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLES_DEFAULT", "viewer")
    at = signed_in("stranger@example.com")
    assert visible_pages(at) == existing(VIEWER_PAGES)


def test_a_group_claim_grants_a_role(env: Env) -> None:
    at = signed_in("desk@example.com", groups=["enrolment-desk"])
    assert visible_pages(at) == existing(OPERATOR_PAGES)


@pytest.mark.parametrize(
    ("email", "pages"),
    [(VIEWER, VIEWER_PAGES), (OPERATOR, OPERATOR_PAGES), (ADMIN, ADMIN_PAGES)],
)
def test_navigation_lists_the_pages_of_the_role(env: Env, email: str, pages: set[str]) -> None:
    at = signed_in(email)
    assert_no_exception(at)
    assert visible_pages(at) == existing(pages)
    sidebar = "\n".join(str(getattr(node, "value", "")) for node in at.sidebar)
    assert plain(email) in sidebar
    assert labelled(at.sidebar.button, "Sign out")
    assert "**No sign-in**" not in texts(at)


@pytest.mark.parametrize("page", ["system", "audit", "registration"])
def test_a_viewer_cannot_open_operator_or_admin_pages(env: Env, page: str) -> None:
    at = signed_in(VIEWER)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page_path(page))


def test_a_viewer_sees_accounts_but_cannot_create_one(env: Env, account: str) -> None:
    at = go(signed_in(VIEWER), "accounts")
    assert_no_exception(at)
    assert not [b for b in at.button if b.label == "Create account"]
    assert "creating them needs the operator role" in texts(at)
    assert at.dataframe[0].value["Username"].tolist() == ["alice"]


def test_a_viewer_watches_an_enrolment_but_cannot_change_it(env: Env, account: str) -> None:
    at = go(signed_in(VIEWER), "enrol", account=account)
    assert_no_exception(at)
    assert "Status" in [h.value for h in at.subheader]
    labels = {b.label for b in at.button}
    assert not labels & {"Cancel", "Re-issue", "Issue QR code", "Issue a new QR code"}


def test_an_operator_acts_under_their_email(env: Env, seeder: Console) -> None:
    at = go(signed_in(OPERATOR), "accounts")
    labelled(at.text_input, "Username").input("bob")
    labelled(at.button, "Create account").click()
    at.run()
    assert_no_exception(at)
    [bob] = seeder.accounts.search("bob")
    assert bob.created_by == OPERATOR

    at = go(at, "enrol", account=str(bob.id))
    labelled(at.button, "Issue QR code").click()
    at.run()
    assert_no_exception(at)
    labelled(at.button, "Cancel").click()
    at.run()
    assert_no_exception(at)
    latest = seeder.enrolments.latest(bob.id)
    assert latest is not None
    assert latest.issued_by == OPERATOR
    assert [e.actor for e in seeder.enrolments.events(latest.id)] == [OPERATOR, OPERATOR]


def test_a_role_taken_away_applies_at_the_next_click(env: Env, seeder: Console) -> None:
    at = go(signed_in(OPERATOR), "accounts")
    labelled(at.text_input, "Username").input("carol")
    at.user = {"is_logged_in": True, "email": VIEWER}  # demoted while the page is open
    labelled(at.button, "Create account").click()
    at.run()
    assert not seeder.accounts.search("carol")


def test_the_registration_demo_records_the_operator(env: Env, seeder: Console) -> None:
    at = go(signed_in(OPERATOR), "registration")
    labelled(at.text_input, "Username").input("dora")
    labelled(at.button, "Create account").click()
    at.run()
    assert_no_exception(at)
    [dora] = seeder.accounts.search("dora")
    assert dora.created_by == f"self-registration ({OPERATOR})"


def test_only_an_admin_opens_the_system_page(env: Env) -> None:
    at = go(signed_in(ADMIN), "system")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["System"]
    table = at.dataframe[0].value
    shown = dict(zip(table["Setting"], table["Value"], strict=True))
    assert shown["ROLES_ADMINS"] == ADMIN
    assert shown["ROLES_OPERATORS"] == f"{OPERATOR}, group:enrolment-desk"
    assert (shown["ROLES_DEFAULT"], shown["ALLOW_UNAUTHENTICATED"]) == ("none", "0")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_in(OPERATOR).switch_page(page_path("system"))


def test_the_audit_page_lists_operator_actions_with_filters_and_csv(
    env: Env, seeder: Console
) -> None:
    made = seeder.accounts.create("erin", actor=OPERATOR)
    seeder.enrolments.issue(made.id, actor=OPERATOR)
    seeder.accounts.create("frank", actor=ADMIN)

    at = go(signed_in(ADMIN), "audit")
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert table["Who"].tolist() == [ADMIN, OPERATOR, OPERATOR]
    assert table["Action"].tolist() == ["Created account", "Issued QR code", "Created account"]
    assert "poller" not in labelled(at.multiselect, "Who").options

    labelled(at.multiselect, "Who").select(OPERATOR)
    at.run()
    assert at.dataframe[0].value["Username"].tolist() == ["erin", "erin"]
    labelled(at.multiselect, "Action").select("issue")
    at.run()
    assert at.dataframe[0].value["Action"].tolist() == ["Issued QR code"]

    download = labelled(at.get("download_button"), "Download CSV")
    assert not download.proto.disabled


def test_the_audit_csv(env: Env, seeder: Console) -> None:
    """The download's content, through the use-case the page hands to Streamlit."""
    from dashboard.domain.audit_log import audit_query
    from dashboard.usecases.audit import AuditTrail
    from db.engine import session_factory

    seeder.accounts.create("gina", actor=OPERATOR)
    lines = AuditTrail(session_factory(seeder.engine)).export_csv(audit_query([OPERATOR], [], None))
    rows = list(csv.reader(io.StringIO("".join(lines))))
    assert [row[1:4] for row in rows[1:]] == [[OPERATOR, "Created account", "gina"]]


def test_local_mode_without_sign_in(env: Env) -> None:
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT).run()
    assert_no_exception(at)
    assert "**No sign-in**" in at.caption[0].value  # the mode line, above the page
    assert visible_pages(at) == existing(ADMIN_PAGES)
    assert "acting as `local`" in "\n".join(str(getattr(n, "value", "")) for n in at.sidebar)


@pytest.mark.parametrize("address", ["0.0.0.0", "", "192.168.1.20"])  # noqa: S104
def test_refuses_to_start_open_beyond_loopback(env: Env, address: str) -> None:
    with patch_config_options({"server.address": address}):
        at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT).run()
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Sign-in required"]
    assert "refuses to start without sign-in" in at.error[0].value
    assert visible_pages(at) == set()


def test_allow_unauthenticated_runs_open_anyway(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOW_UNAUTHENTICATED", "1")
    with patch_config_options({"server.address": "0.0.0.0"}):  # noqa: S104
        at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT).run()
    assert_no_exception(at)
    assert visible_pages(at) == existing(ADMIN_PAGES)


def test_sign_in_configured_may_listen_anywhere(env: Env) -> None:
    with patch_config_options({"server.address": "0.0.0.0"}):  # noqa: S104
        at = signed_in(VIEWER)
    assert visible_pages(at) == existing(VIEWER_PAGES)


def test_a_bad_role_setting_stops_the_console_with_a_sentence(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLES_ADMINS", "not-an-address")
    at = signed_in(ADMIN)
    assert_no_exception(at)
    assert plain("ROLES_ADMINS entries must be e-mail addresses") in at.error[0].value
    assert visible_pages(at) == set()
