"""Roles: the permission table, role resolution by e-mail, domain and group, the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.domain.roles import (
    LOCAL_IDENTITY,
    PERMISSIONS,
    Identity,
    Permission,
    Role,
    RoleRules,
    allowed,
    check,
    identity_from_claims,
    is_loopback,
    parse_entry,
    role_for,
)
from dashboard.errors import AccessDenied, ConfigError
from dashboard.settings import load_settings
from dashboard.ui.pages import NAMES, PAGES, PAGES_DIR

ACTIONS = (
    Permission.CREATE_ACCOUNT,
    Permission.ISSUE,
    Permission.REISSUE,
    Permission.CANCEL,
    Permission.INVITE,
    Permission.BULK,
    Permission.DEMO,
    Permission.PUSH,
)
RULES = RoleRules(
    admins=("ann@example.com", "group:console-admins"),
    operators=("@ops.example.com", "oscar@example.com"),
    viewers=("group:auditors",),
)


def test_the_permission_table() -> None:
    assert PERMISSIONS[Role.VIEWER] == {Permission.VIEW}
    assert PERMISSIONS[Role.OPERATOR] == {Permission.VIEW, *ACTIONS}
    assert PERMISSIONS[Role.ADMIN] == set(Permission)
    assert Permission.REMOVE_DEVICE not in PERMISSIONS[Role.OPERATOR]  # admins remove devices
    assert PERMISSIONS[Role.VIEWER] < PERMISSIONS[Role.OPERATOR] < PERMISSIONS[Role.ADMIN]


def test_every_page_file_has_one_row_in_the_page_table() -> None:
    assert sorted(NAMES) == sorted(path.stem for path in PAGES_DIR.glob("*.py"))
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (None, []),
        (Role.VIEWER, ["overview", "accounts", "enrol", "enrolments", "queue", "outbox"]),
        (
            Role.OPERATOR,
            [
                "overview",
                "accounts",
                "enrol",
                "bulk",
                "enrolments",
                "queue",
                "outbox",
                "registration",
            ],
        ),
        (Role.ADMIN, list(NAMES)),
    ],
)
def test_pages_each_role_sees(role: Role | None, pages: list[str]) -> None:
    assert [row.name for row in PAGES if allowed(role, row.permission)] == pages


@pytest.mark.parametrize("permission", ACTIONS)
def test_a_viewer_is_refused_every_action(permission: Permission) -> None:
    viewer = Identity("vera@example.com", Role.VIEWER, signed_in=True)
    with pytest.raises(AccessDenied, match=r"vera@example\.com has the viewer role"):
        check(viewer, permission)
    operator = Identity("oscar@example.com", Role.OPERATOR, signed_in=True)
    assert check(operator, permission) == "oscar@example.com"


def test_no_role_may_do_nothing() -> None:
    nobody = Identity("nora@example.com", None, signed_in=True)
    with pytest.raises(AccessDenied, match="no role"):
        check(nobody, Permission.VIEW)


def test_only_admins_see_system_and_audit() -> None:
    for permission in (Permission.SYSTEM, Permission.AUDIT):
        assert not Identity("o", Role.OPERATOR, True).may(permission)
        assert Identity("a", Role.ADMIN, True).may(permission)


def test_local_mode_acts_as_local_with_every_permission() -> None:
    assert LOCAL_IDENTITY.name == "local"
    assert not LOCAL_IDENTITY.signed_in
    assert all(LOCAL_IDENTITY.may(permission) for permission in Permission)


@pytest.mark.parametrize(
    ("email", "groups", "role"),
    [
        ("ann@example.com", [], Role.ADMIN),
        ("ANN@Example.COM", [], Role.ADMIN),
        ("oscar@example.com", [], Role.OPERATOR),
        ("olga@ops.example.com", [], Role.OPERATOR),
        ("olga@sub.ops.example.com", [], None),
        ("vic@example.com", ["auditors"], Role.VIEWER),
        ("oscar@example.com", ["console-admins"], Role.ADMIN),  # the highest role wins
        ("vic@example.com", ["Auditors"], None),  # group names keep their case
        ("stranger@example.com", [], None),
        (None, ["console-admins"], Role.ADMIN),
        (None, [], None),
    ],
)
def test_role_for(email: str | None, groups: list[str], role: Role | None) -> None:
    assert role_for(email, groups, RULES) == role


def test_the_default_role_for_everyone_else() -> None:
    rules = RoleRules(admins=("ann@example.com",), default=Role.VIEWER)
    assert role_for("stranger@example.com", [], rules) is Role.VIEWER
    assert role_for("ann@example.com", [], rules) is Role.ADMIN


def test_identity_from_claims() -> None:
    rules = RoleRules(admins=("group:admins",), groups_claim="roles")
    claims = {"email": "ann@example.com", "email_verified": True, "roles": ["admins"]}
    assert identity_from_claims(claims, rules) == Identity("ann@example.com", Role.ADMIN, True)
    one_group = {"email": "ann@example.com", "roles": "admins"}
    assert identity_from_claims(one_group, rules).role is Role.ADMIN
    unverified = {**claims, "email_verified": False}
    assert identity_from_claims(unverified, rules) == Identity("", None, True)
    assert identity_from_claims({"sub": "123", "roles": ["admins"]}, rules).role is None


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("", False),
        (None, False),
        ("0.0.0.0", False),  # noqa: S104 - the address under test
        ("::", False),
        ("192.168.1.20", False),
        ("console.example.com", False),
        ("unix:///run/console.sock", False),
    ],
)
def test_is_loopback(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        (" Ann@Example.com ", "ann@example.com"),
        ("@Example.com", "@example.com"),
        ("group:Console Admins", "group:Console Admins"),
        ("group:", None),
        ("group: x", None),
        ("ann", None),
        ("ann@", None),
        ("ann@localhost", None),
    ],
)
def test_parse_entry(entry: str, parsed: str | None) -> None:
    assert parse_entry(entry) == parsed


def test_role_settings_default_to_nobody_and_sign_in_required() -> None:
    access = load_settings({}, None).access
    assert access.rules == RoleRules()
    assert access.rules.default is None
    assert not access.allow_unauthenticated


def test_role_settings_from_secrets_toml_accept_lists(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'ROLES_ADMINS = ["ann@example.com", "group:admins"]\n'
        'ROLES_OPERATORS = "oscar@example.com, @ops.example.com"\n'
        'ROLES_DEFAULT = "Viewer"\n'
        "ALLOW_UNAUTHENTICATED = true\n"
        "[auth]\n"
        'redirect_uri = "http://localhost:8501/oauth2callback"\n'
    )
    access = load_settings({}, secrets).access
    assert access.rules.admins == ("ann@example.com", "group:admins")
    assert access.rules.operators == ("oscar@example.com", "@ops.example.com")
    assert access.rules.default is Role.VIEWER
    assert access.allow_unauthenticated
    # The environment wins over the file.
    overridden = load_settings({"ROLES_ADMINS": "zoe@example.com"}, secrets).access
    assert overridden.rules.admins == ("zoe@example.com",)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ROLES_ADMINS", "ann@example.com, bob", "ROLES_ADMINS entries must be e-mail"),
        ("ROLES_VIEWERS", "group:", "ROLES_VIEWERS entries"),
        ("ROLES_DEFAULT", "superuser", "ROLES_DEFAULT must be one of none, viewer"),
        ("ALLOW_UNAUTHENTICATED", "maybe", "ALLOW_UNAUTHENTICATED must be 1 or 0"),
    ],
)
def test_bad_role_settings_are_loud(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value}, None)
