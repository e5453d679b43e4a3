"""The two phases of validation (directory.normalisers, directory.rules) are pure.

Phase 1 reads the cells into a new table without touching them; phase 2's rules only
look. So running the rules in any order must give the same report and the same table:
these tests shuffle them (seeded) over the shipped sample, the malformed corpus one file
at a time and all at once, and a seeded mutation of the sample.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import random

import numpy as np
import pandas as pd
import pytest
from conftest import PLAUSIBLE_CELLS, REPO_ROOT, TODAY

from directory import csvfile, dataset, rules, schema
from directory.normalisers import normalise
from directory.report import Problem, ValidationReport

CORPUS = REPO_ROOT / "tests" / "data" / "malformed"
SEEDS = (1, 2, 3, 4)
HEADER_LINE = ",".join(schema.COLUMN_NAMES)


def corpus_mix() -> bytes:
    """The records of every corpus file with the standard header, under one header.

    The file with an unclosed quote goes last: it swallows everything after it.
    """
    files = sorted(CORPUS.glob("*.csv"), key=lambda path: (path.name == "unclosed_quote.csv", path))
    records = []
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        first, _, rest = text.partition("\n")
        if first.rstrip("\r") == HEADER_LINE and rest.strip():
            records.append(rest if rest.endswith("\n") else rest + "\n")
    assert len(records) >= 30
    return (HEADER_LINE + "\n" + "".join(records)).encode()


def mutated_sample(seed: int) -> bytes:
    """The shipped sample with a quarter of its rows given odd cells (seeded)."""
    rng = random.Random(seed)
    text = (REPO_ROOT / "data" / "clinics.csv").read_text(encoding="utf-8")
    header, *body = list(csv.reader(io.StringIO(text)))
    pool = [*PLAUSIBLE_CELLS, "at_home;oral", "oral", "telehealth", "2116", "1-800-FLOWERS"]
    for record in body:
        if rng.random() < 0.25:
            for _ in range(rng.randint(1, 4)):
                record[rng.randrange(len(record))] = rng.choice(pool)
    body += [list(rng.choice(body)) for _ in range(10)]  # some duplicate ids and listings
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    return out.getvalue().encode()


def validated(data: bytes, order: list[rules.Rule]) -> tuple[pd.DataFrame, list[Problem]]:
    """The table and every problem (fully sorted), with the rules run in ``order``."""
    report = ValidationReport()
    cells = csvfile.read_table(data, report)
    assert cells is not None
    table = dataset._validate(cells, report, TODAY, rules=order)
    assert report.room("error"), "the cap would hide problems"
    assert report.room("warning"), "the cap would hide problems"
    problems = [*report.errors, *report.warnings]
    return table, sorted(problems, key=lambda p: (p.line or 0, p.column or "", p.message))


def assert_any_order_gives_the_same_result(data: bytes) -> None:
    table, problems = validated(data, list(rules.RULES))
    for seed in SEEDS:
        order = list(rules.RULES)
        random.Random(seed).shuffle(order)
        assert order != list(rules.RULES)
        shuffled_table, shuffled_problems = validated(data, order)
        assert shuffled_problems == problems, f"seed {seed}"
        pd.testing.assert_frame_equal(shuffled_table, table, check_exact=True)


# Files that have a table at all (not the empty, binary or header-only ones).
CORPUS_FILES = sorted(
    path.name
    for path in CORPUS.glob("*.csv")
    if csvfile.read_table(path.read_bytes(), ValidationReport()) is not None
)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_rules_in_any_order_on_a_corpus_file(name: str) -> None:
    assert_any_order_gives_the_same_result((CORPUS / name).read_bytes())


def test_rules_in_any_order_on_the_whole_corpus_at_once() -> None:
    data = corpus_mix()
    _, problems = validated(data, list(rules.RULES))
    assert len({p.column for p in problems}) >= 15  # a real mix, many rules at work
    assert_any_order_gives_the_same_result(data)


def test_rules_in_any_order_on_the_sample() -> None:
    assert_any_order_gives_the_same_result((REPO_ROOT / "data" / "clinics.csv").read_bytes())


@pytest.mark.parametrize("seed", [7, 8])
def test_rules_in_any_order_on_a_mutated_sample(seed: int) -> None:
    data = mutated_sample(seed)
    _, problems = validated(data, list(rules.RULES))
    assert len(problems) > 50
    assert_any_order_gives_the_same_result(data)


def snapshot(value: object) -> object:
    """A deep copy of phase 1's result (or of any part of it), to compare later."""
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return value.copy(deep=True)
    if isinstance(value, np.ndarray):
        return value.copy()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: snapshot(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: snapshot(item) for key, item in value.items()}
    return copy.deepcopy(value)


def assert_same(before: object, after: object, where: str = "") -> None:
    if isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before, check_exact=True, obj=where)
    elif isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before, check_exact=True, obj=where)
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(after, before, err_msg=where)
    elif isinstance(before, dict):
        assert isinstance(after, dict)
        assert after.keys() == before.keys(), where
        for key in before:
            assert_same(before[key], after[key], f"{where}.{key}")
    else:
        assert after == before, where


@pytest.mark.parametrize("source", ["mix", "sample"])
def test_neither_phase_changes_what_it_is_given(source: str) -> None:
    data = corpus_mix() if source == "mix" else mutated_sample(3)
    cells = csvfile.read_table(data, ValidationReport())
    assert cells is not None
    cells_before = snapshot(cells)
    normalised = normalise(cells, TODAY)
    assert_same(cells_before, cells, "cells")
    assert normalised.table is not cells
    normalised_before = snapshot(normalised)
    for rule in rules.RULES:
        rule(normalised, TODAY)
        assert_same(normalised_before, snapshot(normalised), rule.__name__)


def test_normalised_table_keeps_the_files_columns_then_the_map_point() -> None:
    cells = csvfile.read_table(corpus_mix(), ValidationReport())
    assert cells is not None
    table = normalise(cells, TODAY).table
    assert list(table.columns) == [*cells.columns, "_lat", "_lon", "_coordinates_approximate"]
    assert len(table) == len(cells)
