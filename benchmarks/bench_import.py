"""Import speed: a 100k-row file saved over a 100k-row data file, step by step.

Run: ``python benchmarks/bench_import.py`` (or ``make bench``). Two scenarios:

* ``replace``: the new file is ``generate_clinics(100_000, seed=1)`` and the
  data file ``seed=2``: almost every id differs (the brief's case);
* ``edit``: the new file is the data file with 1% of rows edited, 0.5%
  removed and 0.5% added, which is what an admin's import usually is, and
  where the diff has real cells to compare.

For each, the median of 3 runs (wall clock and CPU time) of every step of
``storage.save_clinics`` (validate, canonical CSV, read the current file,
diff, backup, atomic write) and of the whole call, both over a data file the
previous save wrote (the usual case: its cells are read, not re-validated) and
over a hand-made one (re-validated), then the diff against a naive baseline
(per-row Python dicts). Target: the whole save under 10 s.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from directory import storage
from directory.changes import diff_tables
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.synth import generate_clinics

TODAY = date(2026, 11, 20)
ROWS = 100_000
REPEATS = 3
TARGET_SECONDS = 10.0


def median_seconds(action: Callable[[], object], repeats: int = REPEATS) -> float:
    return median_times(action, repeats)[0]


def median_times(
    action: Callable[[], object],
    repeats: int = REPEATS,
    setup: Callable[[], object] | None = None,
) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU shows the cost on a busy, shared machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def naive_diff(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """A first version's diff: every row as a dict, compared field by field in Python."""
    columns = [c for c in new.columns if not str(c).startswith("_")]
    old_rows = {str(r["id"]): r for r in old[columns].astype(str).to_dict("records")}
    new_rows = {str(r["id"]): r for r in new[columns].astype(str).to_dict("records")}
    changed: dict[str, list[tuple[str, str, str]]] = {}
    for clinic, row in new_rows.items():
        before = old_rows.get(clinic)
        if before is None:
            continue
        fields = [(c, before.get(c, ""), row[c]) for c in columns if before.get(c, "") != row[c]]
        if fields:
            changed[clinic] = fields
    _added = [c for c in new_rows if c not in old_rows]
    _removed = [c for c in old_rows if c not in new_rows]
    return changed


def edited_copy(table: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The table with 1% of rows edited, 0.5% removed and 0.5% added (new ids)."""
    rng = np.random.default_rng(seed)
    out = table.copy()
    edit = rng.choice(len(out), size=len(out) // 100, replace=False)
    out.loc[out.index[edit], "phone"] = "(303) 555-0199"
    out.loc[out.index[edit[::2]], "price_per_session_usd"] = "999"
    out = out.drop(index=out.index[rng.choice(len(out), size=len(out) // 200, replace=False)])
    extra = table.sample(n=len(table) // 200, random_state=seed).copy()
    extra["id"] = [f"new-clinic-{i}" for i in range(len(extra))]
    return pd.concat([out, extra], ignore_index=True)


def run_scenario(name: str, current_csv: bytes, new_csv: bytes, folder: Path) -> float:
    data = folder / f"{name}.csv"
    new = parse_clinics(new_csv, today=TODAY)
    canonical = write_csv_text(new.table).encode("utf-8")
    old = parse_clinics(current_csv, today=TODAY)
    old_written = write_csv_text(old.table).encode("utf-8")
    steps: dict[str, Callable[[], object]] = {
        "validate the new file": lambda: parse_clinics(new_csv, today=TODAY),
        "canonical CSV text": lambda: write_csv_text(new.table),
        "read current (we wrote it)": lambda: storage._read_cells(old_written, like=new.table),
        "parse current (hand-made)": lambda: parse_clinics(current_csv, today=TODAY),
        "diff (vectorised)": lambda: diff_tables(old.table, new.table),
        "backup copy + fsync": lambda: storage._write_atomically(
            folder / "copy.csv", current_csv, 0o644
        ),
        "atomic write + fsync": lambda: storage._write_atomically(
            folder / "out.csv", canonical, 0o644
        ),
        "sha256 of both": lambda: (hashlib.sha256(current_csv), hashlib.sha256(canonical)),
    }
    changes = diff_tables(old.table, new.table)
    print(
        f"\n[{name}] {len(old.table):,} -> {len(new.table):,} rows, "
        f"{len(new_csv) / 1e6:.1f} MB; {changes.summary()}"
    )
    print(f"  {'step':<30} {'wall':>8} {'cpu':>8}")
    for step, action in steps.items():
        wall, cpu = median_times(action)
        print(f"  {step:<30} {wall:7.3f}s {cpu:7.3f}s")

    def saved_by_us() -> None:
        # The usual case: the data file is what the previous save wrote (and audited).
        storage.save_clinics(data, current_csv, who="bench", action="setup", today=TODAY)

    def hand_made() -> None:
        data.write_bytes(current_csv)
        (folder / "audit.log").unlink(missing_ok=True)

    def import_new() -> None:
        storage.save_clinics(data, new_csv, who="bench", action="import", today=TODAY)

    total, total_cpu = median_times(import_new, setup=saved_by_us)
    slow, slow_cpu = median_times(import_new, setup=hand_made)
    print(f"  {'save_clinics, end to end':<30} {total:7.3f}s {total_cpu:7.3f}s  (target < 10 s)")
    print(f"  {'  same, over a hand-made file':<30} {slow:7.3f}s {slow_cpu:7.3f}s")
    fast = median_seconds(lambda: diff_tables(old.table, new.table))
    naive = median_seconds(lambda: naive_diff(old.table, new.table), repeats=1)
    print(
        f"  diff: vectorised {fast:.3f} s, naive per-row dicts {naive:.3f} s "
        f"({naive / fast:.0f}x faster)"
    )
    return total


def main() -> int:
    print(f"generating {ROWS:,}-row tables (seeds 1 and 2; not timed)…")
    new_table = generate_clinics(ROWS, seed=1, today=TODAY)
    current_table = generate_clinics(ROWS, seed=2, today=TODAY)
    current_csv = write_csv_text(current_table).encode("utf-8")
    scenarios = {
        "replace": write_csv_text(new_table).encode("utf-8"),
        "edit": write_csv_text(edited_copy(current_table, seed=3)).encode("utf-8"),
    }
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        for name, new_csv in scenarios.items():
            worst = max(worst, run_scenario(name, current_csv, new_csv, Path(folder)))
    verdict = "OK" if worst < TARGET_SECONDS else "OVER TARGET"
    print(f"\nslowest end-to-end save: {worst:.2f} s ({verdict})")
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
