"""The blocks view-models hand to the page widgets: a metric, a notice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["caption", "info", "success", "warning", "error"]


@dataclass(frozen=True)
class Metric:
    """A headline number; ``delta`` is a short note under it (never coloured)."""

    label: str
    value: int | str
    delta: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class Notice:
    """A sentence in a box of its ``kind`` (or a caption). ``text`` is shown as typed, unless
    it is ``own``: the console's own words, as Markdown."""

    kind: Kind
    text: str
    icon: str | None = None
    own: bool = False


def share(part: int, whole: int, suffix: str = "") -> str | None:
    """``part`` as a percentage of ``whole`` (None when there is no whole)."""
    return f"{part / whole:.0%}{suffix}" if whole else None
