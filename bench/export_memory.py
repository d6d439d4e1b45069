"""Peak memory growth of a process exporting every enrolment as CSV.

Run in a fresh process per way (``python -m bench.export_memory --database-url URL --way
streamed|naive``), which prints one JSON line: the peak resident memory above the level before
the export (VmHWM, reset first), the size of the file, and the time taken.

``streamed`` is what the Enrolments page does: ``EnrolmentTable.export_csv`` reads the database in
batches and ``csv_file`` spools the lines to a temporary file. ``naive`` builds the whole file
in memory first, as handing ``st.download_button`` a string or bytes would.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from bench.proc import own_peak_kib, own_rss_kib, reset_peak
from bench.tables import offline_table
from dashboard.domain.records import EnrolmentFilter, EnrolmentSort
from dashboard.views.enrolments import csv_file


def export(url: str, way: str) -> dict[str, float]:
    """Export everything at ``url`` the given way; memory in MiB, size in MiB, time in s."""
    table, engine = offline_table(url)
    everything, newest = EnrolmentFilter(), EnrolmentSort()
    table.page(everything, newest, 1)  # connect and warm up outside the figure
    if not reset_peak():
        raise RuntimeError("this kernel does not let a process reset its peak RSS")
    baseline = own_rss_kib()
    started = time.perf_counter()
    if way == "streamed":
        with csv_file(table.export_csv(everything, newest)) as spooled:
            size = spooled.seek(0, 2)
    else:
        size = len("".join(table.export_csv(everything, newest)).encode("utf-8"))
    took = time.perf_counter() - started
    peak = own_peak_kib()
    engine.dispose()
    return {"growth_mib": (peak - baseline) / 1024, "file_mib": size / 2**20, "seconds": took}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export_memory")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--way", choices=("streamed", "naive"), default="streamed")
    args = parser.parse_args(argv)
    print(json.dumps(export(args.database_url, args.way)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
