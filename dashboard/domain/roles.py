"""Who may do what: roles, the permission table, and a role from an e-mail address and groups.

Roles are ordered ``viewer < operator < admin``; each role has the permissions of the ones
below it. A viewer sees every enrolment but changes nothing; an operator creates accounts and
issues, re-issues and cancels QR codes (one by one, in bulk, or in the registration demo) and
sends or revokes invitations by e-mail and sends test pushes to enrolled devices; an
admin also removes devices and sees the System page and the audit trail. A viewer sees an
account's devices.

Roles come from configuration (``AccessSettings`` in ``dashboard.settings``): lists of entries,
each an e-mail address (``alice@example.com``, compared ignoring case), a whole domain
(``@example.com``) or a group from the identity provider's groups claim (``group:<name>``).
A signed-in person gets the highest role any entry grants, else the default role, which is
"none" unless configured: an unlisted person sees a page saying to ask an admin.

Pure logic, no Streamlit: ``dashboard.ui`` asks these functions on every run and before every
action.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from dashboard.errors import AccessDenied

#: The operator name when no sign-in is configured (local demo mode).
LOCAL_OPERATOR = "local"
#: Actors that are not people: the status poller (it records what the service reports a
#: device did) and the local expiry sweep. The audit trail leaves their events out.
POLLER_ACTOR = "poller"
EXPIRY_ACTOR = "expiry"
SYSTEM_ACTORS: tuple[str, ...] = (POLLER_ACTOR, EXPIRY_ACTOR)
GROUP_PREFIX = "group:"


class Role(IntEnum):
    """What a signed-in person may do; a higher role includes the lower ones."""

    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The role's name as configuration and pages spell it."""
        return self.name.lower()


class Permission(StrEnum):
    """One thing a page shows or one action a person takes."""

    VIEW = "view"  # Overview, Accounts, Enrol device and Enrolments, read-only
    CREATE_ACCOUNT = "create account"
    ISSUE = "issue QR code"
    REISSUE = "re-issue QR code"
    CANCEL = "cancel enrolment"
    INVITE = "send or revoke invitations"
    BULK = "bulk onboarding"
    PUSH = "send test pushes"  # one account's, or a campaign's bulk verify
    REMOVE_DEVICE = "remove devices"
    DEMO = "registration demo"  # creates accounts and issues QR codes as a website would
    SYSTEM = "system page"
    AUDIT = "audit trail"


_VIEWER = frozenset({Permission.VIEW})
_OPERATOR = _VIEWER | {
    Permission.CREATE_ACCOUNT,
    Permission.ISSUE,
    Permission.REISSUE,
    Permission.CANCEL,
    Permission.INVITE,
    Permission.BULK,
    Permission.DEMO,
    Permission.PUSH,
}
_ADMIN = _OPERATOR | {Permission.SYSTEM, Permission.AUDIT, Permission.REMOVE_DEVICE}

#: The permission table: what each role may do.
PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.OPERATOR: _OPERATOR,
    Role.ADMIN: _ADMIN,
}


@dataclass(frozen=True)
class RoleRules:
    """Who gets which role: entries per role, the default for everyone else signed in, and
    the name of the identity token's groups claim."""

    admins: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    default: Role | None = None
    groups_claim: str = "groups"

    def entries(self) -> Iterable[tuple[Role, str]]:
        """Every (role, entry) pair, highest role first."""
        for role, entries in (
            (Role.ADMIN, self.admins),
            (Role.OPERATOR, self.operators),
            (Role.VIEWER, self.viewers),
        ):
            for entry in entries:
                yield role, entry


@dataclass(frozen=True)
class Identity:
    """The person using the console in this session, and their role (None: no role)."""

    name: str
    role: Role | None
    signed_in: bool

    def may(self, permission: Permission) -> bool:
        """Whether this person's role includes ``permission``."""
        return allowed(self.role, permission)


#: Everyone is an admin in local demo mode: there is nobody to tell apart.
LOCAL_IDENTITY = Identity(LOCAL_OPERATOR, Role.ADMIN, signed_in=False)


def allowed(role: Role | None, permission: Permission) -> bool:
    """Whether ``role`` includes ``permission`` (no role includes nothing)."""
    return role is not None and permission in PERMISSIONS[role]


def check(identity: Identity, permission: Permission) -> str:
    """The actor name to record for ``permission``; ``AccessDenied`` if the role lacks it."""
    if not identity.may(permission):
        role = "no role" if identity.role is None else f"the {identity.role.label} role"
        raise AccessDenied(
            f"{identity.name} has {role}, which may not {permission.value}; ask an admin."
        )
    return identity.name


def role_for(email: str | None, groups: Iterable[str], rules: RoleRules) -> Role | None:
    """The highest role any entry of ``rules`` grants to ``email`` or one of ``groups``, else
    ``rules.default``. Without an e-mail address only group entries can match."""
    address = (email or "").strip().lower()
    domain = address[address.rfind("@") :] if "@" in address else None
    member_of = {group.strip() for group in groups if group.strip()}
    for role, entry in rules.entries():
        if entry.startswith(GROUP_PREFIX):
            if entry[len(GROUP_PREFIX) :] in member_of:
                return role
        elif address and entry.lower() in (address, domain):
            return role
    return rules.default


def claimed_groups(claims: Mapping[str, object], claim: str) -> list[str]:
    """The groups in the identity token's ``claim``: a list of names, or one name."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def identity_from_claims(claims: Mapping[str, object], rules: RoleRules) -> Identity:
    """The signed-in person from the identity token's claims. Without a usable e-mail address
    (missing, or marked unverified by the provider) the name is empty and only a group entry
    can grant a role, which is refused anyway: actions need a name to record."""
    email = claims.get("email")
    usable = isinstance(email, str) and "@" in email and claims.get("email_verified") is not False
    name = email.strip() if usable and isinstance(email, str) else ""
    if not name:
        return Identity("", None, True)
    return Identity(name, role_for(name, claimed_groups(claims, rules.groups_claim), rules), True)


def is_loopback(address: str | None) -> bool:
    """Whether Streamlit's ``server.address`` keeps the console on this computer. Unset means
    every interface; a host name or a Unix socket (usually behind a proxy) counts as exposed."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def parse_entry(entry: str) -> str | None:
    """``entry`` normalised (a group name keeps its case), or None when it is malformed."""
    text = entry.strip()
    if text.startswith(GROUP_PREFIX):
        group = text[len(GROUP_PREFIX) :]
        return text if group and group == group.strip() else None
    local, at, domain = text.rpartition("@")
    if not at or not domain or "." not in domain.strip(".") or any(c.isspace() for c in text):
        return None
    return text.lower() if local or text.startswith("@") else None


def parse_role(value: str) -> Role | None:
    """A role by its name; "none" is no role. ``ValueError`` for anything else."""
    name = value.strip().lower()
    if name == "none":
        return None
    for role in Role:
        if role.label == name:
            return role
    raise ValueError(value)
