"""The dependency rules of shared/design.md, enforced by walking every import."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("dashboard", "db", "simulator", "pages")

STREAMLIT_ALLOWED = {"dashboard/app.py", "dashboard/ui.py"}
HTTP_ALLOWED = {"dashboard/omi.py"}
SQLALCHEMY_ALLOWED_OUTSIDE_DB = {
    "dashboard/enrolment.py",
    "dashboard/reports.py",
    "dashboard/audit.py",
    "dashboard/storage.py",
    "dashboard/campaigns.py",
}
FORBIDDEN_IN_PAGES = ("db", "sqlalchemy", "httpx", "httpx2", "authlib")


def product_files() -> list[Path]:
    return sorted(p for top in PRODUCT for p in (ROOT / top).rglob("*.py"))


def imports(path: Path) -> Iterator[str]:
    """Top-level and dotted module names imported anywhere in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imports(path)}


FILES = {p.relative_to(ROOT).as_posix(): p for p in product_files()}


def test_walk_finds_the_product() -> None:
    assert "dashboard/config.py" in FILES
    assert "dashboard/app.py" in FILES


@pytest.mark.parametrize("name", sorted(FILES))
def test_dependency_rules(name: str) -> None:
    used = roots(FILES[name])
    top = name.split("/")[0]
    if "streamlit" in used:
        assert top == "pages" or name in STREAMLIT_ALLOWED, f"{name} imports streamlit"
    if top == "pages":
        bad = used.intersection(FORBIDDEN_IN_PAGES)
        assert not bad, f"page {name} imports {sorted(bad)}"
    if used & {"httpx2", "authlib"}:
        assert name in HTTP_ALLOWED, f"{name} talks HTTP; only dashboard/omi.py may"
    assert "httpx" not in used, f"{name} imports httpx; the project's one HTTP library is httpx2"
    if "sqlalchemy" in used or "alembic" in used:
        assert top == "db" or name in SQLALCHEMY_ALLOWED_OUTSIDE_DB, f"{name} imports sqlalchemy"
    if top == "db":
        assert "dashboard" not in used, f"{name}: db/ must not import dashboard/"
    if top == "simulator":
        assert not used & {"dashboard", "db"}, f"{name}: the simulator must stay independent"


def test_authlib_runs_on_httpx2() -> None:
    """authlib must build on httpx2 (not fall back to httpx), so one HTTP stack is in play."""
    import httpx2
    from authlib.integrations.httpx_client import OAuth2Client

    assert issubclass(OAuth2Client, httpx2.Client)
