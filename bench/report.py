"""Small numbers helpers and the table the benchmarks print."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure, the console's value, the naive one, the target."""

    figure: str
    console: str
    naive: str
    target: str
    verdict: str
    """``met``, ``missed``, ``reported`` (no target) or ``failed`` (the run broke)."""


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def verdict(ok: bool) -> str:
    """``met`` or ``missed``."""
    return "met" if ok else "missed"


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    header = ("figure", "console", "naive alternative", "target", "")
    lines = [header, *((r.figure, r.console, r.naive, r.target, r.verdict) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([render(lines[0]), separator, *(render(line) for line in lines[1:])])


def save(rows: Sequence[Row], raw: dict[str, Any], folder: Path, command: str) -> Path:
    """Write the table (Markdown) and the raw measurements (JSON) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    markdown = folder / f"bench-{stamp}.md"
    markdown.write_text(f"`{command}` at {stamp}\n\n{table(rows)}\n")
    (folder / f"bench-{stamp}.json").write_text(
        json.dumps({"command": command, "rows": [asdict(r) for r in rows], "raw": raw}, indent=2)
    )
    return markdown
