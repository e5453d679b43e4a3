"""Rewrite the vocabulary tables of docs/data-format.md from the schema.

Each value's code, patient-facing label, meaning and accepted spellings are defined once,
in :mod:`directory.vocabularies`; this keeps the admins' documentation in step with it.
``python scripts/make_docs.py`` rewrites the file; ``--check`` exits 1 if it is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from directory import schema

DOCS = Path(__file__).resolve().parent.parent / "docs" / "data-format.md"


def vocabulary_table(column: schema.Column) -> str:
    """The Markdown table of one vocabulary column's values."""
    vocabulary = column.vocabulary
    if vocabulary is None:
        raise ValueError(f"{column.name} has no vocabulary")
    lines = [
        "| Code | Shown to patients as | Means | Also accepted |",
        "|---|---|---|---|",
    ]
    for term in vocabulary.terms:
        means = term.help or "—"
        if column.default == term.code:
            means += " Also used when the cell is blank."
        synonyms = ", ".join(term.synonyms) or "—"
        lines.append(f"| `{term.code}` | {term.label} | {means} | {synonyms} |")
    return "\n".join(lines)


def render(text: str) -> str:
    """``text`` with the table under each ``### `column``` heading regenerated."""
    for column in schema.COLUMNS:
        if column.vocabulary is None:
            continue
        pattern = re.compile(
            rf"(^### `{re.escape(column.name)}`\n\n)(?:\|.*\n)+", flags=re.MULTILINE
        )
        table = vocabulary_table(column)

        def replace(match: re.Match[str], table: str = table) -> str:
            return match.group(1) + table + "\n"

        text, count = pattern.subn(replace, text)
        if count != 1:
            raise ValueError(f"docs/data-format.md has no table under ### `{column.name}`")
    return text


def main(argv: list[str]) -> int:
    current = DOCS.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print("docs/data-format.md is out of date: run python scripts/make_docs.py")
            return 1
        return 0
    DOCS.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
