"""Run every benchmark and print the table: ``python -m bench`` (or ``make bench``).

About 10–15 minutes on two cores, the first run a minute more to seed a million enrolments
(kept in bench/results/db/ and reused). ``--only`` picks groups, ``--watch-minutes`` sets the
memory watch. The table and the raw measurements are written to bench/results/ as well.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from playwright.sync_api import Browser

from bench import load, page_cost, scale
from bench.browser import chromium, new_context
from bench.harness import start_console, start_naive
from bench.latency import scan_to_screen
from bench.proc import RESULTS, ROOT
from bench.report import Row, percentile, save, table, verdict
from bench.tables import seeded

GROUPS = ("table", "export", "latency", "load", "scale")
DB_FOLDER = RESULTS / "db"
RUN_FOLDER = RESULTS / "run"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--samples", type=int, default=20, help="enrolments confirmed per page")
    parser.add_argument("--tabs", type=int, default=10, help="tabs in the many-tabs case")
    parser.add_argument("--rate-seconds", type=float, default=20.0, help="per request count")
    parser.add_argument("--token-ttl", type=int, default=20, help="SIM_TOKEN_TTL, seconds")
    parser.add_argument("--watch-minutes", type=float, default=2.0, help="memory watch")
    parser.add_argument("--rows", type=int, default=1_000_000, help="the big table")
    parser.add_argument("--small-rows", type=int, default=1_000, help="the small table")
    parser.add_argument("--pending", type=int, default=2000, help="the scale group's campaign")
    parser.add_argument("--scale-seconds", type=float, default=150.0, help="per scale phase")
    parser.add_argument("--processes", type=int, default=3, help="the scale group's consoles")
    args = parser.parse_args(argv)
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    started = time.monotonic()
    if "table" in args.only:
        _step("Enrolments page cost against table size")
        rows += _attempt("Enrolments page cost", lambda: [_table(args, raw)])
    if "export" in args.only:
        _step(f"CSV export of {args.rows:,} rows")
        rows += _attempt("CSV export", lambda: [_export(args, raw)])
    if "latency" in args.only or "load" in args.only:
        with chromium() as browser:
            latencies: dict[str, list[float]] = {}
            naive: dict[str, Any] = {}
            if "latency" in args.only:
                _step("Scan-to-screen latency: the console's Enrol page, default settings")
                rows += _attempt(
                    "scan-to-screen latency",
                    lambda: _console_latency(browser, args, raw, latencies),
                )
            _step("The naive page: every tab polls the API itself")
            rows += _attempt("the naive page", lambda: _naive(browser, args, raw, naive))
            if "console" in latencies:
                rows.append(_latency_row(latencies["console"], naive.get("latency")))
            if "load" in args.only:
                _step("Open tabs: API requests, tokens, server CPU and memory")
                rows += _attempt("open tabs", lambda: _load(browser, args, raw, naive))
    if "scale" in args.only:
        _step(f"Polling at campaign scale: {args.pending:,} pending and a person at the desk")
        rows += _attempt("campaign scale", lambda: _scale(args, raw))
    raw["minutes"] = (time.monotonic() - started) / 60
    print()
    print(table(rows))
    saved = save(rows, raw, RESULTS, command)
    print(f"\n{command}: {raw['minutes']:.1f} min; saved to {saved.relative_to(ROOT)}")
    return 0 if all(row.verdict != "failed" for row in rows) else 1


def _attempt(name: str, run: Callable[[], list[Row]]) -> list[Row]:
    """The rows ``run`` makes; when it fails, one row saying so (the other figures go on)."""
    try:
        return run()
    except Exception as exc:
        traceback.print_exc()
        return [Row(name, f"failed: {exc}"[:300], "", "", "failed")]


def _step(title: str) -> None:
    print(f"- {title}", flush=True)


def _table(args: argparse.Namespace, raw: dict[str, Any]) -> Row:
    small = page_cost.measure(seeded(DB_FOLDER, args.small_rows), args.small_rows, 50, 3)
    big = page_cost.measure(seeded(DB_FOLDER, args.rows), args.rows, 50, 1)
    raw["page_cost"] = [asdict(small), asdict(big)]
    ratio = big.capped / small.capped
    exact = big.exact / small.exact
    return Row(
        f"Enrolments page (Enrolled, newest first, 50 rows + count), {_n(small.rows)} → "
        f"{_n(big.rows)} rows",
        f"{_ms(small.capped)} → {_ms(big.capped)}: ×{ratio:.1f} (exact count: "
        f"{_ms(small.exact)} → {_ms(big.exact)}, ×{exact:.0f})",
        f"whole table into pandas: {_ms(small.pandas)} → {big.pandas:.1f} s",
        f"{_n(big.rows)} / {_n(small.rows)} ≤ 3",
        verdict(ratio <= 3),
    )


def _export(args: argparse.Namespace, raw: dict[str, Any]) -> Row:
    url = seeded(DB_FOLDER, args.rows)
    result = {way: _export_in_subprocess(url, way) for way in ("streamed", "naive")}
    raw["export"] = result
    streamed, naive = result["streamed"], result["naive"]
    return Row(
        f"CSV export of {_n(args.rows)} rows: peak memory growth",
        f"{streamed['growth_mib']:.0f} MiB for a {streamed['file_mib']:.0f} MiB file "
        f"({streamed['seconds']:.0f} s)",
        f"whole file in memory: {naive['growth_mib']:.0f} MiB",
        "well under the file size",
        verdict(streamed["growth_mib"] < 0.1 * streamed["file_mib"]),
    )


def _export_in_subprocess(url: str, way: str) -> dict[str, float]:
    output = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.export_memory", "--database-url", url, "--way", way],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def _console_latency(
    browser: Browser, args: argparse.Namespace, raw: dict[str, Any], out: dict[str, list[float]]
) -> list[Row]:
    cut = start_console(browser, RUN_FOLDER, "latency")
    context = new_context(browser)
    try:
        pending = [cut.new_pending(f"latency{i}") for i in range(args.samples)]
        latencies = scan_to_screen(cut, context, pending, random.Random(1))
    finally:
        context.close()
        cut.close()
    raw["latency_console"] = out["console"] = latencies
    return []


def _naive(
    browser: Browser, args: argparse.Namespace, raw: dict[str, Any], naive: dict[str, Any]
) -> list[Row]:
    nut = start_naive(RUN_FOLDER)
    context = new_context(browser)
    try:
        if "latency" in args.only:
            pending = [nut.new_pending() for _ in range(args.samples)]
            naive["latency"] = scan_to_screen(nut, context, pending, random.Random(2))
            raw["latency_naive"] = naive["latency"]
        if "load" in args.only:
            urls = [nut.enrol_url(nut.new_pending()) for _ in range(args.tabs)]
            tabs = load.open_tabs(context, urls[:1])
            one = load.count(nut.phone, args.rate_seconds, nut.server.cpu_seconds)
            tabs = load.open_tabs(context, urls[1:], tabs)
            many = load.count(nut.phone, args.rate_seconds, nut.server.cpu_seconds)
            naive["rates"] = (one.status_rate, many.status_rate)
            naive["cpu"] = (one.cpu_percent, many.cpu_percent)
            raw["rates_naive"] = {"1": asdict(one), str(args.tabs): asdict(many)}
    finally:
        context.close()
        nut.close()
    return []


def _latency_row(console: list[float], naive: list[float] | None) -> Row:
    median, p95 = percentile(console, 50), percentile(console, 95)
    return Row(
        f"scan-to-screen latency ({len(console)} confirms at random moments)",
        f"median {median:.2f} s, p95 {p95:.2f} s (max {max(console):.2f} s)",
        "—"
        if not naive
        else f"each tab polls the API every 1 s: median {percentile(naive, 50):.2f} s, "
        f"p95 {percentile(naive, 95):.2f} s",
        "median ≤ 0.45 s, p95 ≤ 0.8 s",
        verdict(median <= 0.45 and p95 <= 0.8),
    )


def _load(
    browser: Browser, args: argparse.Namespace, raw: dict[str, Any], naive: dict[str, Any]
) -> list[Row]:
    ttl = args.token_ttl
    env = {"SIM_TOKEN_TTL": str(ttl), "SIM_QR_TTL": "3600"}
    cut = start_console(browser, RUN_FOLDER, "load", env)
    context = new_context(browser)
    try:
        urls = [cut.enrol_url(cut.new_pending(f"tab{i}")) for i in range(args.tabs)]
        tabs = load.open_tabs(context, urls[:1])
        one = load.count(cut.phone, args.rate_seconds, cut.server.cpu_seconds)
        rss_one = load.rss_settled(cut.server.rss_mib)
        tabs = load.open_tabs(context, urls[1:], tabs)
        many = load.count(cut.phone, 3 * ttl, cut.server.cpu_seconds)
        rss_many = load.rss_settled(cut.server.rss_mib)
        _step(f"  watching the server's memory with {len(tabs)} tabs for {args.watch_minutes} min")
        watched = load.watch(cut.server.rss_mib, args.watch_minutes)
    finally:
        context.close()
        cut.close()
    raw["load_console"] = {
        "pending": args.tabs,
        "1": asdict(one),
        str(args.tabs): asdict(many),
        "rss_mib": {"1": rss_one, str(args.tabs): rss_many},
        "watch": watched.samples,
    }
    ratio = many.status_rate / one.status_rate
    naive_one, naive_many = naive.get("rates", (math.nan, math.nan))
    naive_cpu = naive.get("cpu", (math.nan, math.nan))
    renewal = 0.9 * ttl  # the client renews 10% before expiry
    most_tokens = -(-many.seconds // renewal)
    per_session = (rss_many - rss_one) / (args.tabs - 1)
    return [
        Row(
            f"API status requests/s with {args.tabs} pending enrolments, 1 → {args.tabs} tabs",
            f"{one.status_rate:.1f} → {many.status_rate:.1f}: ratio {ratio:.2f}",
            f"{naive_one:.1f} → {naive_many:.1f}: ratio {naive_many / naive_one:.1f}",
            "ratio ≤ 1.1",
            verdict(ratio <= 1.1),
        ),
        Row(
            f"token requests over 3 lifetimes ({3 * ttl} s, SIM_TOKEN_TTL={ttl}), {args.tabs} tabs",
            f"{many.token_requests} ({many.token_requests / 3:.2f} per lifetime; renewal "
            f"every {renewal:.0f} s allows {most_tokens:.0f})",
            "—",
            "one per lifetime",
            verdict(many.token_requests <= most_tokens),
        ),
        Row(
            f"server CPU, 1 → {args.tabs} tabs on the Enrol page",
            f"{one.cpu_percent:.0f}% → {many.cpu_percent:.0f}% of a core",
            f"{naive_cpu[0]:.0f}% → {naive_cpu[1]:.0f}% of a core",
            f"{args.tabs} tabs ≤ 30% of a core",
            verdict(many.cpu_percent <= 30),
        ),
        Row(
            f"server memory (RSS), 1 → {args.tabs} sessions on the Enrol page",
            f"{rss_one:.0f} → {rss_many:.0f} MiB: {per_session:.1f} MiB per session",
            "—",
            "report it",
            "reported",
        ),
        Row(
            f"server memory over a {args.watch_minutes:g}-minute watch, {args.tabs} sessions",
            f"{watched.samples[0][1]:.0f} → {watched.samples[-1][1]:.0f} MiB "
            f"({watched.growth:+.1f} MiB, {watched.slope_per_minute:+.2f} MiB/min)",
            "—",
            "no growth",
            verdict(abs(watched.growth) <= 5),
        ),
    ]


def _scale(args: argparse.Namespace, raw: dict[str, Any]) -> list[Row]:
    with chromium() as browser:
        phases = scale.run(
            browser,
            RUN_FOLDER,
            pending=args.pending,
            seconds=args.scale_seconds,
            samples=max(3, args.samples // 2),
            processes=args.processes,
            step=_step,
        )
    raw["scale"] = {name: asdict(phase) for name, phase in phases.items()}
    one, several = phases["one"], phases["several"]
    budget = 20.0
    rows = []
    for phase in (one, several):
        who = "1 process" if phase.processes == 1 else f"{phase.processes} processes, PostgreSQL"
        median, p95 = percentile(phase.latencies, 50), percentile(phase.latencies, 95)
        rows += [
            Row(
                f"status requests/s, {phase.pending:,} pending + a watched one ({who})",
                f"{phase.status_rate:.1f} over {phase.seconds:.0f} s",
                "before the budget: 249 at 2,001 pending",
                f"≤ budget ({budget:g})",
                verdict(phase.status_rate <= budget * 1.02),
            ),
            Row(
                f"watched enrolment beside the campaign: confirm-to-screen ({who})",
                f"median {median:.2f} s, p95 {p95:.2f} s over {len(phase.latencies)} confirms",
                "before: confirm-to-database median 3.1 s",
                "median ≤ 1.0 s",
                verdict(median <= 1.0),
            ),
            Row(
                f"longest wait of a pending enrolment for a poll ({who})",
                f"{phase.longest_wait:.0f} s",
                "",
                f"≤ the floor, 2 × pending ÷ budget = {phase.floor:.0f} s",
                verdict(phase.longest_wait <= phase.floor + 1),
            ),
        ]
    gap = several.min_gap
    rows.append(
        Row(
            f"{several.processes} processes: shortest gap between two polls of one campaign "
            "enrolment; enrolments whose state differs from the simulator's",
            f"{'none polled twice' if gap is None else f'{gap:.2f} s'}; "
            f"{several.disagreeing} differ",
            "",
            "≥ the 1 s interval (less a tick); 0 differ",
            verdict((gap is None or gap >= 0.9) and several.disagreeing == 0),
        )
    )
    return rows


def _n(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows >= 1_000_000 else f"{rows // 1000}K"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    sys.exit(main())
