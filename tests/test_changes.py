"""The diff between two versions of the clinic table: what it finds and how it reads."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from directory.changes import ClinicChanges, FieldChange, diff_tables
from directory.dataset import parse_clinics
from tests.conftest import TODAY, csv_text, row, telehealth_row


def load(*rows: dict[str, str], header: tuple[str, ...] | None = None) -> pd.DataFrame:
    text = csv_text(*rows) if header is None else csv_text(*rows, header=header)
    loaded = parse_clinics(text, today=TODAY)
    return loaded.table


A = row(id="clinic-a", phone="(303) 555-0101")
B = row(id="clinic-b", name="Clinic B", address="2 Main St")
C = telehealth_row(id="clinic-c")


def test_identical_tables_have_no_changes() -> None:
    changes = diff_tables(load(A, B), load(A, B))
    assert changes.is_empty
    assert changes == ClinicChanges([], [], {}, 2, 2)
    assert changes.to_text() == "no changes (2 rows)"


def test_added_removed_and_changed_with_field_level_detail() -> None:
    old = load(A, B)
    new = load({**A, "phone": "(303) 555-0199", "notes": "New hours."}, C)
    changes = diff_tables(old, new)
    assert changes.added == ["clinic-c"]
    assert changes.removed == ["clinic-b"]
    assert changes.changed == {
        "clinic-a": [
            FieldChange("phone", "(303) 555-0101", "(303) 555-0199"),
            FieldChange("notes", "Free parking.", "New hours."),
        ]
    }
    assert (changes.rows_before, changes.rows_after) == (2, 2)
    assert not changes.is_empty
    assert changes.to_text().splitlines() == [
        "+ added clinic-c",
        "- removed clinic-b",
        "~ changed clinic-a: phone '(303) 555-0101' -> '(303) 555-0199'; "
        "notes 'Free parking.' -> 'New hours.'",
        "1 added, 1 removed, 1 changed (2 -> 2 rows)",
    ]


def test_values_are_compared_after_normalisation() -> None:
    # Another spelling of the same data: no patient sees a difference, so no change.
    respelled = {
        **A,
        "modalities": "IV; Spravato",
        "phone": "303.555.0101",
        "latitude": "39.75010",
        "price_per_session_usd": "$550.00",
        "state": "Colorado",
    }
    assert diff_tables(load(A), load(respelled)).is_empty


def test_numbers_compare_as_the_csv_writes_them() -> None:
    old = pd.DataFrame({"id": ["a", "b"], "price": [550.0, np.nan]})
    new = pd.DataFrame({"id": ["a", "b"], "price": ["550", ""]})
    assert diff_tables(old, new).is_empty
    changed = diff_tables(old, pd.DataFrame({"id": ["a", "b"], "price": [550.5, 20.0]}))
    assert changed.changed == {
        "a": [FieldChange("price", "550", "550.5")],
        "b": [FieldChange("price", "", "20")],
    }


def test_columns_added_and_removed() -> None:
    header = (*tuple(A), "referral_code")
    old = load(A, B)
    new = load({**A, "referral_code": "K-1"}, {**B, "referral_code": ""}, header=header)
    changes = diff_tables(old, new)
    assert changes.columns_added == ["referral_code"]
    assert changes.changed == {"clinic-a": [FieldChange("referral_code", "", "K-1")]}
    assert changes.to_text().splitlines()[0] == "+ added column referral_code"
    back = diff_tables(new, old)
    assert back.columns_removed == ["referral_code"]
    assert back.changed == {"clinic-a": [FieldChange("referral_code", "K-1", "")]}


def test_an_empty_new_column_is_still_a_change() -> None:
    header = (*tuple(A), "internal")
    changes = diff_tables(load(A), load(A, header=header))
    assert changes.columns_added == ["internal"]
    assert not changes.changed
    assert not changes.is_empty


def test_derived_columns_are_ignored() -> None:
    old = load(A, B)
    new = old.copy()
    new["_line"] = new["_line"] + 10
    new["_lat"] = 0.0
    assert diff_tables(old, new).is_empty


def test_row_order_alone_is_not_a_change_but_is_noted() -> None:
    changes = diff_tables(load(A, B, C), load(C, A, B))
    assert changes.is_empty
    assert changes.rows_reordered
    assert "only the row order differs" in changes.to_text()


def test_a_repeated_id_is_compared_by_its_first_row() -> None:
    old = pd.DataFrame({"id": ["a", "a", "b"], "name": ["first", "second", "b"]})
    new = pd.DataFrame({"id": ["a", "b"], "name": ["first", "b"]})
    changes = diff_tables(old, new)
    assert changes.is_empty
    assert (changes.rows_before, changes.rows_after) == (3, 2)


def test_long_and_multiline_values_are_shortened_in_text() -> None:
    old = pd.DataFrame({"id": ["a"], "notes": ["short"]})
    new = pd.DataFrame({"id": ["a"], "notes": ["line one\nline two " + "x" * 200]})
    line = diff_tables(old, new).to_text().splitlines()[0]
    assert "\\n" in line
    assert len(line) < 120


def test_to_text_limit_keeps_the_full_summary() -> None:
    old = pd.DataFrame({"id": [f"c{i}" for i in range(50)], "name": ["x"] * 50})
    new = pd.DataFrame({"id": [f"c{i}" for i in range(50)], "name": ["y"] * 50})
    lines = diff_tables(old, new).to_text(limit=10).splitlines()
    assert len(lines) == 12
    assert lines[10] == "… and 40 more lines"
    assert lines[11] == "0 added, 0 removed, 50 changed (50 -> 50 rows)"


def test_to_dict_is_json_ready() -> None:
    changes = diff_tables(load(A, B), load({**A, "phone": "(303) 555-0199"}, C))
    document = json.loads(json.dumps(changes.to_dict()))
    assert document["added"] == ["clinic-c"]
    assert document["removed"] == ["clinic-b"]
    assert document["changed"]["clinic-a"] == [
        {"column": "phone", "old": "(303) 555-0101", "new": "(303) 555-0199"}
    ]
    assert document["rows_before"] == 2


def test_tables_without_ids_are_refused() -> None:
    with pytest.raises(KeyError, match="id"):
        diff_tables(pd.DataFrame({"name": ["x"]}), pd.DataFrame({"id": ["x"]}))


def test_100k_rows_diff_fast() -> None:
    rows = 100_000
    rng = np.random.default_rng(1)
    ids = np.array([f"clinic-{i}" for i in range(rows)], dtype=object)
    old = pd.DataFrame(
        {
            "id": pd.Series(ids, dtype="str"),
            **{
                f"text_{k}": pd.Series(rng.integers(0, 9, rows).astype(str), dtype="str")
                for k in range(20)
            },
            "latitude": rng.uniform(20, 60, rows),
            "longitude": rng.uniform(-150, -70, rows),
            "price_per_session_usd": rng.integers(100, 900, rows).astype(float),
        }
    )
    new = old.drop(index=range(0, rows, 200)).copy()
    edited = new.index[::100]
    new.loc[edited, "text_3"] = "changed"
    new.loc[edited[::2], "latitude"] = 1.5
    new = pd.concat([new, old.head(500).assign(id=[f"new-{i}" for i in range(500)])])
    start = time.perf_counter()
    changes = diff_tables(old, new)
    elapsed = time.perf_counter() - start
    assert len(changes.removed) == 500
    assert len(changes.added) == 500
    assert len(changes.changed) == len(edited)
    # Well under a second on a quiet machine; the margin is for busy CI runners.
    assert elapsed < 5, f"diff of 100k rows took {elapsed:.2f} s"
