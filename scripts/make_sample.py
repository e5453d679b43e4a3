"""Rebuild the shipped fictional sample, ``data/clinics.csv``, deterministically.

Usage: ``python scripts/make_sample.py [OUT]`` (default ``data/clinics.csv``).
The same seed always gives the same file, so a diff shows exactly what a change
to the generator did.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.synth import SAMPLE_TODAY, build_sample


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/clinics.csv")
    text = write_csv_text(build_sample())
    report = parse_clinics(text, today=SAMPLE_TODAY).report
    if not report.valid:
        print(report.to_text(), file=sys.stderr)
        return 1
    out.write_text(text, encoding="utf-8")
    print(f"wrote {report.rows} listings to {out} ({report.warning_count} warnings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
