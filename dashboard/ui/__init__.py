"""Streamlit glue shared by the pages: the process-wide services, error display, banners,
and who is signed in with which role (the rules are in ``dashboard.domain.roles``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import streamlit as st
from streamlit import config as streamlit_config

from dashboard.domain.records import CampaignProgress
from dashboard.domain.roles import (
    LOCAL_IDENTITY,
    LOCAL_OPERATOR,
    Identity,
    Permission,
    check,
    identity_from_claims,
    is_loopback,
    pages_for,
)
from dashboard.domain.statuses import Status
from dashboard.errors import AccessDenied, ConfigError, ConsoleError
from dashboard.services import Services, build_services
from dashboard.settings import AccessSettings, load_settings
from dashboard.usecases.audit import AuditTrail
from dashboard.usecases.bulk import BulkOnboarding
from dashboard.usecases.reports import Reports
from dashboard.views.looks import look

__all__ = ["LOCAL_OPERATOR", "Permission"]

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"

# name → (title, icon); the file is pages/<name>.py and its URL path is /<name>.
PAGES: dict[str, tuple[str, str]] = {
    "overview": ("Overview", ":material/dashboard:"),
    "accounts": ("Accounts", ":material/person_add:"),
    "enrol": ("Enrol device", ":material/qr_code_2:"),
    "bulk": ("Bulk onboarding", ":material/group_add:"),
    "enrolments": ("Enrolments", ":material/table_rows:"),
    "registration": ("Registration demo", ":material/how_to_reg:"),
    "system": ("System", ":material/settings:"),
    "audit": ("Audit trail", ":material/policy:"),
}
SECTIONS: dict[str, tuple[str, ...]] = {
    "Operate": ("overview", "accounts", "enrol", "bulk", "enrolments"),
    "Demo": ("registration",),
    "Admin": ("system", "audit"),
}


def page(name: str) -> st.Page:
    """The ``st.Page`` for ``pages/<name>.py``: for navigation, links and switching."""
    title, icon = PAGES[name]
    return st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, default=name == "overview")


def navigation() -> st.Page:
    """The app's navigation: the pages the signed-in role may use, grouped in sections; or
    one page that explains why there is nothing to use yet (sign in, no role, refused)."""
    gate = _gate()
    if gate is not None:
        title, view = gate
        return st.navigation([st.Page(view, title=title)], position="hidden")
    who = identity()
    assert who is not None
    account_box(who)
    visible = set(pages_for(who.role, PAGES))
    return st.navigation(
        {
            section: [page(name) for name in names if name in visible]
            for section, names in SECTIONS.items()
            if visible.intersection(names)
        }
    )


@st.cache_resource(show_spinner=False)
def _access_settings() -> AccessSettings:
    return load_settings().access


def access() -> AccessSettings:
    """The role rules and the ``ALLOW_UNAUTHENTICATED`` switch (``ConfigError`` if malformed)."""
    return _access_settings()


def auth_section() -> Mapping[str, object]:
    """Streamlit's ``[auth]`` section of secrets.toml; empty when sign-in is not configured."""
    if not st.secrets.load_if_toml_exists():
        return {}
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) else {}


def sign_in_configured() -> bool:
    """Whether an ``[auth]`` section turns sign-in on."""
    return bool(auth_section())


def identity() -> Identity | None:
    """Who uses this session: everyone is the local admin without sign-in; with sign-in the
    signed-in person and their role, or None before anybody has signed in."""
    if not sign_in_configured():
        return LOCAL_IDENTITY
    if st.user.get("is_logged_in") is not True:
        return None
    return identity_from_claims(st.user.to_dict(), access().rules)


def may(permission: Permission) -> bool:
    """Whether the person in this session may ``permission`` (for showing a button)."""
    who = identity()
    return who is not None and who.may(permission)


def require(permission: Permission) -> str:
    """The actor name to record for an action, after re-checking the role; ``AccessDenied``
    (shown by ``reported()``) when the person may not. Call it at the moment of acting."""
    who = identity()
    if who is None:
        raise AccessDenied("Sign in first.")
    return check(who, permission)


def guard(name: str) -> None:
    """Stop ``pages/<name>.py`` unless this session's role may open it (navigation already
    hides it; this covers a page reached any other way)."""
    who = identity()
    if who is None or name not in pages_for(who.role, [name]):
        st.error("Your role may not open this page.", icon=":material/block:")
        st.stop()


def listening_address() -> str | None:
    """Streamlit's ``server.address`` (None or empty: every interface)."""
    address = streamlit_config.get_option("server.address")
    return None if address is None else str(address)


def account_box(who: Identity) -> None:
    """Who is signed in, with which role, and the sign-out button, in the sidebar."""
    role = "no role" if who.role is None else who.role.label
    with st.sidebar:
        if who.signed_in:
            st.caption(plain(f"Signed in as {who.name} · {role}"))
            if st.button("Sign out", icon=":material/logout:", key="sign-out"):
                st.logout()
        else:
            st.caption(f"No sign-in: acting as `{who.name}` · {role}")


def _gate() -> tuple[str, Callable[[], None]] | None:
    """The one page to show instead of the console, if any."""
    try:
        settings = access()
    except ConfigError as exc:
        message = str(exc)
        return "Settings", lambda: _stop_page(f"The console cannot start: {message}")
    configured = sign_in_configured()
    if not configured and not settings.allow_unauthenticated:
        address = listening_address()
        if not is_loopback(address):
            return "Sign-in required", lambda: _refusal_page(address)
    if not configured:
        return None
    who = identity()
    if who is None:
        return "Sign in", _sign_in_page
    if who.role is None:
        return "No access", lambda: _no_access_page(who)
    return None


def _stop_page(message: str) -> None:
    st.error(plain(message), icon=":material/error:")


def _refusal_page(address: str | None) -> None:
    where = f"`{address}`" if address else "every network interface"
    st.title("Sign-in required")
    st.error(
        f"**The console refuses to start without sign-in.** It listens on {where}, beyond "
        "this computer, and no `[auth]` section is configured in `.streamlit/secrets.toml`, "
        "so anyone who can reach it could create accounts and issue enrolments. Configure "
        "sign-in (README, *Sign-in and roles*), or listen on `127.0.0.1` only, or set "
        "`ALLOW_UNAUTHENTICATED=1` to run it open anyway.",
        icon=":material/gpp_bad:",
    )


def _sign_in_page() -> None:
    st.title("Enrolment console")
    st.write("Sign in with your organisation's account to continue.")
    for provider in login_providers():
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, type="primary", icon=":material/login:", key=f"sign-in-{provider}"):
            st.login(provider)


def login_providers() -> list[str | None]:
    """The ``[auth]`` providers to offer: None for the unnamed one, then each named one."""
    section = auth_section()
    named = [
        str(name)
        for name, value in section.items()
        if isinstance(value, Mapping) and "client_id" in value
    ]
    return ([None] if "client_id" in section or not named else []) + named


def _no_access_page(who: Identity) -> None:
    st.title("No access yet")
    if who.name:
        st.warning(
            plain(
                f"You are signed in as {who.name}, but no role is given to that address or "
                "to your groups. Ask an admin to add you to ROLES_VIEWERS, ROLES_OPERATORS "
                "or ROLES_ADMINS."
            ),
            icon=":material/lock_person:",
        )
    else:
        st.warning(
            "Your identity provider did not send a verified e-mail address, so the console "
            "cannot tell who you are. Ask an admin to request the email claim.",
            icon=":material/lock_person:",
        )
    if st.button("Sign out", icon=":material/logout:"):
        st.logout()


@st.cache_resource(show_spinner="Starting the console…", on_release=Services.close)
def services() -> Services:
    """One set of services per process, shared by every session (and the poller thread)."""
    return build_services(load_settings())


def use_cases() -> Services:
    """The services (``.accounts``, ``.enrolments``, ``.table``, ...), ready to call; stops the
    page with a sentence if set-up failed."""
    try:
        return services()
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def reports() -> Reports:
    """The overview reports; stops the page with a sentence if set-up failed."""
    try:
        return services().reports
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def audit() -> AuditTrail:
    """The audit trail; stops the page with a sentence if set-up failed."""
    try:
        return services().audit
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def onboarding() -> BulkOnboarding:
    """Bulk onboarding and campaigns; stops the page with a sentence if set-up failed."""
    try:
        return services().onboarding
    except ConsoleError as exc:
        st.error(f"The console cannot start: {exc}", icon=":material/error:")
        st.stop()


def operator() -> str:
    """Who is acting: the signed-in person's e-mail address, or "local" without sign-in
    (empty before sign-in, which every use-case refuses as an actor)."""
    who = identity()
    return "" if who is None else who.name


@contextmanager
def reported() -> Iterator[None]:
    """Show a ``ConsoleError`` raised inside as a sentence; the page stays usable."""
    try:
        yield
    except ConsoleError as exc:
        st.error(plain(str(exc)), icon=":material/error:")


def status_badge(status: Status) -> None:
    """The status as a coloured badge with its icon."""
    shown = look(status)
    st.badge(shown.label, icon=shown.icon, color=shown.color)  # type: ignore[arg-type]


def campaign_progress(progress: CampaignProgress) -> None:
    """A campaign's progress, counted per person by their newest QR code in it."""
    people = progress.people
    columns = st.columns(6)
    columns[0].metric("Issued (people)", people, help="People with a QR code in this campaign.")
    columns[1].metric(
        "Scanned", progress.reached_phone, help="Reached the phone: scanned, enrolled or declined."
    )
    columns[2].metric(
        "Enrolled",
        progress.enrolled,
        delta=f"{progress.enrolled / people:.0%}" if people else None,
        delta_color="off",
    )
    columns[3].metric("Expired", progress.expired, help="The QR code expired unused.")
    columns[4].metric("Waiting", progress.pending + progress.scanned, help="Still active.")
    columns[5].metric(
        "Ended otherwise", progress.ended_otherwise, help="Declined, failed, cancelled, replaced."
    )
    st.progress(progress.enrolled / people if people else 0.0)
    st.caption(f"{progress.qr_codes} QR code(s) issued in this campaign, re-issues included.")


def banners() -> None:
    """The banners of the console's pages: local mode without sign-in, and demo mode while
    the embedded simulator is in use. None on the sign-in, no-access or refusal page."""
    if _gate() is not None:
        return
    try:
        running: Services | None = services()
    except ConsoleError:
        running = None
    if running is not None and running.simulator is not None:
        st.info(
            "**Demo mode**: the console talks to its built-in Mobile Identity simulator at "
            f"`{running.simulator.base_url}`. Set `OMI_BASE_URL` to use a real tenant.",
            icon=":material/science:",
        )
    if not sign_in_configured():
        st.info(
            f"**Local demo mode, no sign-in**: everyone who opens the console acts as "
            f"`{LOCAL_OPERATOR}` with every permission. Configure `[auth]` in "
            "`.streamlit/secrets.toml` to require sign-in.",
            icon=":material/no_accounts:",
        )


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=^\"'&@%/")


def plain(text: str) -> str:
    """``text`` with every Markdown-significant character escaped, for message boxes.

    Usernames and API-provided text reach ``st.error``/``st.success`` only through this,
    so they show exactly as typed and never render as Markdown, links or HTML.
    """
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIALS else ch for ch in text)


def demo_device_url(user_id: UUID) -> str | None:
    """In demo mode, the simulated phone's page for the user's current QR code."""
    running = services()
    return None if running.simulator is None else running.simulator.device_url(user_id)
