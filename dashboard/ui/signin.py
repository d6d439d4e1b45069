"""Who uses this session, with which role (the rules are in ``dashboard.domain.roles``), and the
gate pages shown instead of the console: sign in, no access, or a refusal to run open."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit import config as streamlit_config

from dashboard.domain.roles import (
    LOCAL_IDENTITY,
    Identity,
    Permission,
    check,
    identity_from_claims,
    is_loopback,
)
from dashboard.errors import AccessDenied, ConfigError
from dashboard.settings import AccessSettings, load_settings
from dashboard.ui.widgets import plain


@st.cache_resource(show_spinner=False)
def access() -> AccessSettings:
    """The role rules and the ``ALLOW_UNAUTHENTICATED`` switch (``ConfigError`` if malformed)."""
    return load_settings().access


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
    (shown by ``widgets.reported()``) when the person may not. Call it at the moment of acting."""
    who = identity()
    if who is None:
        raise AccessDenied("Sign in first.")
    return check(who, permission)


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


def gate() -> st.Page | None:
    """The one page to show instead of the console, if any."""
    try:
        settings = access()
    except ConfigError as exc:
        message = str(exc)
        return st.Page(lambda: _stop_page(f"The console cannot start: {message}"), title="Settings")
    configured = sign_in_configured()
    if not configured and not settings.allow_unauthenticated:
        address = listening_address()
        if not is_loopback(address):
            return st.Page(lambda: _refusal_page(address), title="Sign-in required")
    if not configured:
        return None
    who = identity()
    if who is None:
        return st.Page(_sign_in_page, title="Sign in")
    if who.role is None:
        return st.Page(lambda: _no_access_page(who), title="No access")
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
