"""The dependency rules of README "How it is built", enforced by folder by walking every import."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("dashboard", "db", "simulator", "pages")
HTTP = {"httpx2", "authlib"}
SQL = {"sqlalchemy", "alembic"}
MAIL = {"smtplib", "aiosmtpd"}
#: What each layer of the project may import of the project (by dotted prefix).
PROJECT_IMPORTS: dict[str, tuple[str, ...]] = {
    "dashboard/domain": ("dashboard.errors", "dashboard.domain"),
    "dashboard/views": ("dashboard.errors", "dashboard.domain", "dashboard.views"),
    "dashboard/omi": (
        "dashboard.errors",
        "dashboard.domain",
        "dashboard.omi",
        "dashboard.settings",
    ),
    "dashboard/mail": (
        "dashboard.errors",
        "dashboard.domain",
        "dashboard.mail",
        "dashboard.settings",
    ),
    "pages": ("dashboard.errors", "dashboard.domain", "dashboard.views", "dashboard.ui"),
    "dashboard/public_page": (
        "dashboard.errors",
        "dashboard.domain",
        "dashboard.usecases",
        "dashboard.settings",
        "dashboard.public_page",
    ),
    "db": ("db",),
    "simulator": ("simulator",),
}
#: Entry points that are composition roots of their own, beyond their layer's list.
ENTRY_IMPORTS: dict[str, tuple[str, ...]] = {
    "dashboard/public_page/__main__.py": ("dashboard.services",)
}
MAX_LINES = 300
MAX_PAGE_LINES = 80
#: Files still being moved into their layer (the layout issue empties this set).


def product_files() -> list[Path]:
    return sorted(p for top in PRODUCT for p in (ROOT / top).rglob("*.py"))


def imported(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module, names) for every absolute import anywhere in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [alias.name for alias in node.names]


def project_modules(path: Path) -> set[str]:
    """The project's modules ``path`` imports; ``from pkg import mod`` counts as ``pkg.mod``."""
    found = set()
    for module, names in imported(path):
        if module.split(".")[0] in ("dashboard", "db", "simulator"):
            found.add(module)
            found.update(f"{module}.{name}" for name in names)
    return found


def layer(name: str) -> str:
    """The folder that decides ``name``'s rules: a dashboard sub-package, or the top folder."""
    parts = name.split("/")
    return "/".join(parts[:2]) if parts[0] == "dashboard" and len(parts) > 2 else parts[0]


FILES = {p.relative_to(ROOT).as_posix(): p for p in product_files()}


def test_walk_finds_the_product() -> None:
    assert {"dashboard/app.py", "dashboard/settings.py", "pages/enrol.py"} <= set(FILES)
    assert {"dashboard/domain", "dashboard/omi", "dashboard/usecases"} <= {layer(n) for n in FILES}


@pytest.mark.parametrize("name", sorted(FILES))
def test_dependency_rules(name: str) -> None:
    path = FILES[name]
    used = {module.split(".")[0] for module, _ in imported(path)}
    where = layer(name)
    if "streamlit" in used:
        assert where in ("pages", "dashboard/ui") or name == "dashboard/app.py", (
            f"{name} imports streamlit; only dashboard/ui/, dashboard/app.py and pages/ may"
        )
    if used & HTTP:
        assert where == "dashboard/omi", f"{name} talks HTTP; only dashboard/omi/ may"
    assert "httpx" not in used, f"{name} imports httpx; the project's one HTTP library is httpx2"
    if used & MAIL:
        assert where == "dashboard/mail", f"{name} speaks SMTP; only dashboard/mail/ may"
    if used & SQL:
        assert where in ("db", "dashboard/usecases"), f"{name} imports SQLAlchemy"
    allowed = PROJECT_IMPORTS.get(where)
    if allowed is not None:
        allowed = allowed + ENTRY_IMPORTS.get(name, ())
        bad = {
            module
            for module in project_modules(path)
            if not any(module == ok or module.startswith(ok + ".") for ok in allowed)
            and not any(ok.startswith(module + ".") for ok in allowed)  # ``from dashboard import``
        }
        assert not bad, f"{name} ({where}) may not import {sorted(bad)}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_private_imports(name: str) -> None:
    """No module imports another module's ``_private`` name."""
    private = [
        f"{module}.{n}"
        for module, names in imported(FILES[name])
        if module.split(".")[0] in ("dashboard", "db", "simulator")
        for n in names
        if n.startswith("_")
    ]
    assert not private, f"{name} imports private names {private}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_modules_stay_small(name: str) -> None:
    lines = len(FILES[name].read_text(encoding="utf-8").splitlines())
    limit = MAX_PAGE_LINES if name.startswith("pages/") else MAX_LINES
    assert lines <= limit, f"{name} has {lines} lines; split it by concept (at most {limit})"


def test_authlib_runs_on_httpx2() -> None:
    """authlib must build on httpx2 (not fall back to httpx), so one HTTP stack is in play."""
    import httpx2
    from authlib.integrations.httpx_client import OAuth2Client

    assert issubclass(OAuth2Client, httpx2.Client)


def test_nothing_in_dashboard_shadows_an_installed_module() -> None:
    """``streamlit run dashboard/app.py`` puts ``dashboard/`` first on ``sys.path``: a module or
    package there named like an installed one hides it (``dashboard/public`` once hid the
    ``public`` module aiosmtpd imports, and the console could not start)."""
    installed = set(importlib.metadata.packages_distributions()) | set(sys.stdlib_module_names)
    ours = {
        path.stem if path.suffix == ".py" else path.name
        for path in (ROOT / "dashboard").iterdir()
        if path.suffix == ".py" or (path / "__init__.py").exists()
    }
    assert not ours & installed
