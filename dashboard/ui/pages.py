"""The page table, the navigation built from it, and the one guard every page passes.

A page is ``pages/<name>.py`` plus one row here; its URL path is ``/<name>``. The row's
permission decides who sees it in the navigation and who may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.domain.roles import Permission
from dashboard.ui.signin import account_box, gate, identity, may

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


@dataclass(frozen=True)
class PageRow:
    """One page of the console: its file's name, title, icon, section and permission."""

    name: str
    title: str
    icon: str
    section: str
    permission: Permission


PAGES: tuple[PageRow, ...] = (
    PageRow("overview", "Overview", ":material/dashboard:", "Operate", Permission.VIEW),
    PageRow("accounts", "Accounts", ":material/person_add:", "Operate", Permission.VIEW),
    PageRow("enrol", "Enrol device", ":material/qr_code_2:", "Operate", Permission.VIEW),
    PageRow("bulk", "Bulk onboarding", ":material/group_add:", "Operate", Permission.BULK),
    PageRow("enrolments", "Enrolments", ":material/table_rows:", "Operate", Permission.VIEW),
    PageRow("queue", "Pending queue", ":material/pending_actions:", "Operate", Permission.VIEW),
    PageRow("outbox", "Outbox", ":material/outbox:", "Operate", Permission.VIEW),
    PageRow("registration", "Registration demo", ":material/how_to_reg:", "Demo", Permission.DEMO),
    PageRow("system", "System", ":material/settings:", "Admin", Permission.SYSTEM),
    PageRow("audit", "Audit trail", ":material/policy:", "Admin", Permission.AUDIT),
)
NAMES: tuple[str, ...] = tuple(row.name for row in PAGES)
_ROWS = {row.name: row for row in PAGES}


def page(name: str) -> st.Page:
    """The ``st.Page`` for ``pages/<name>.py``: for navigation, links and switching."""
    row = _ROWS[name]
    return st.Page(
        PAGES_DIR / f"{name}.py", title=row.title, icon=row.icon, default=name == NAMES[0]
    )


def navigation() -> st.Page:
    """The page to run: one of the pages the role may use, grouped in sections, after the
    guard; or one page that explains why there is nothing to use yet."""
    stop = gate()
    if stop is not None:
        return st.navigation([stop], position="hidden")
    who = identity()
    assert who is not None  # the gate stops anyone without an identity
    account_box(who)
    shown = [(row, page(row.name)) for row in PAGES if who.may(row.permission)]
    sections: dict[str, list[st.Page]] = {}
    for row, built in shown:
        sections.setdefault(row.section, []).append(built)
    chosen = st.navigation(sections)
    guard(next(row for row, built in shown if built is chosen))
    return chosen


def guard(row: PageRow) -> None:
    """Stop unless this session's role may open ``row``'s page: navigation lists only those,
    and this check stands however the page was reached."""
    if not may(row.permission):
        st.error("Your role may not open this page.", icon=":material/block:")
        st.stop()
