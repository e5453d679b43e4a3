"""A separate process that writes problem reports, for the fault tests and the benchmark.

``python tests/report_writer.py DB COUNT PREFIX [--fill]`` submits COUNT reports, each
from its own session ``PREFIX-<n>`` (so the per-session limit never applies), and prints
each stored id on its own line as soon as it is committed. ``--fill`` writes 500-character
notes until the database fails, then prints ``error: <message>`` and exits 3 (for a
"disk full" run under a file-size limit). An optional ``--go FILE`` waits until FILE
exists, so two writers start at the same moment.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.errors import ReportStoreError
from directory.reports import ReportStore

CLINIC = "mile-high-ketamine-denver"


def main(argv: list[str]) -> int:
    db, count, prefix = Path(argv[0]), int(argv[1]), argv[2]
    fill = "--fill" in argv
    if "--go" in argv:
        go = Path(argv[argv.index("--go") + 1])
        while not go.exists():
            time.sleep(0.001)
    store = ReportStore(db, hourly_cap=10**9, busy_timeout_seconds=30.0)
    note = "x" * 500 if fill else "a report from a test process"
    n = 0
    while fill or n < count:
        try:
            report = store.submit(
                CLINIC, "wrong_phone", note, session=f"{prefix}-{n}", known_ids={CLINIC}
            )
        except ReportStoreError as error:
            print(f"error: {error}", flush=True)
            return 3
        print(report.id, flush=True)
        n += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
