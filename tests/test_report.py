"""Validation problems and the report that collects them (directory.report)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from directory.report import (
    MAX_PROBLEMS_KEPT,
    Checker,
    Flag,
    Problem,
    RowProblem,
    ValidationReport,
    quote_value,
)


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        pytest.param(
            Problem(14, "modalities", "laughing_gas", "'laughing_gas' is not a modality"),
            "line 14, column modalities: 'laughing_gas' is not a modality",
            id="line-and-column",
        ),
        pytest.param(Problem(3, None, None, "row too long"), "line 3: row too long", id="line"),
        pytest.param(Problem(None, "zip", None, "odd"), "column zip: odd", id="column"),
        pytest.param(
            Problem(None, None, None, "the file is empty"), "the file is empty", id="whole-file"
        ),
    ],
)
def test_problem_text_names_where(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_problem_to_dict_has_the_json_keys() -> None:
    assert Problem(2, "zip", "8020A", "bad").to_dict() == {
        "line": 2,
        "column": "zip",
        "value": "8020A",
        "message": "bad",
    }


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        pytest.param("iv", "'iv'", id="short"),
        pytest.param("", "''", id="empty"),
        pytest.param("a\nb\r", "'a\\nb\\r'", id="newlines-escaped"),
        pytest.param("x" * 60, "'" + "x" * 60 + "'", id="60-kept"),
        pytest.param("x" * 61, "'" + "x" * 59 + "…'", id="61-shortened"),
        pytest.param("y" * 10_000, "'" + "y" * 59 + "…'", id="huge-shortened"),
    ],
)
def test_quote_value(value: str, quoted: str) -> None:
    assert quote_value(value) == quoted


def test_warnings_alone_leave_the_report_valid() -> None:
    report = ValidationReport(rows=1)
    report.warning(2, "zip", "8020", "padded")
    assert report.valid
    report.error(2, "id", "", "empty")
    assert not report.valid
    assert (report.error_count, report.warning_count) == (1, 1)


def test_sort_orders_by_line_then_column_with_whole_file_first() -> None:
    report = ValidationReport()
    report.error(5, "zip", None, "e")
    report.error(2, "state", None, "d")
    report.error(2, None, None, "c")
    report.error(1, "kind", None, "b")
    report.error(None, None, None, "a")
    report.sort()
    assert [p.message for p in report.errors] == ["a", "b", "c", "d", "e"]


def test_lines_with_errors_leave_out_the_header_and_whole_file_problems() -> None:
    report = ValidationReport()
    report.error(None, None, None, "empty")
    report.error(1, "kind", None, "missing column")
    report.error(4, "zip", None, "bad zip")
    report.warning(6, "zip", None, "only a warning")
    assert report.lines_with_errors() == {4}


def test_lines_with_errors_count_errors_past_the_cap() -> None:
    report = ValidationReport()
    for n in range(MAX_PROBLEMS_KEPT + 3):
        report.error(n + 2, None, None, "misread")
    assert report.errors_not_kept == 3
    assert report.lines_with_errors() == set(range(2, MAX_PROBLEMS_KEPT + 5))


@pytest.mark.parametrize("line", [None, 1])
def test_file_errors_are_remembered_even_past_the_cap(line: int | None) -> None:
    report = ValidationReport()
    assert not report.has_file_errors
    for n in range(MAX_PROBLEMS_KEPT):
        report.error(n + 2, None, None, "misread")
    report.warning(line, None, None, "only a warning")
    assert not report.has_file_errors
    report.error(line, "kind", None, "missing required column")
    assert report.errors_not_kept == 1
    assert report.has_file_errors


def test_checker_marks_every_row_with_an_error_even_past_the_cap() -> None:
    report = ValidationReport()
    report.error(3, None, None, "this row has too many cells")
    rows = MAX_PROBLEMS_KEPT + 20
    lines = np.arange(2, rows + 2, dtype=np.int64)
    check = Checker(report, lines)
    assert list(np.flatnonzero(check.misread)) == [1]
    values = pd.Series(["bad"] * rows)
    odd = np.arange(rows) % 2 == 1
    check.flag("warning", ~odd, "zip", values, lambda v: f"{v} is odd")
    check.flag("error", np.ones(rows, dtype=bool), "zip", values, lambda v: f"{v} is wrong")
    assert check.has_error.all()
    assert report.error_count == rows  # the misread row is not flagged again
    assert len(report.errors) == MAX_PROBLEMS_KEPT
    assert not report.warnings_not_kept
    assert len(report.warnings) == (rows + 1) // 2
    assert 3 not in {p.line for p in report.warnings}


def test_checker_warnings_do_not_mark_rows() -> None:
    report = ValidationReport()
    check = Checker(report, np.array([2, 3], dtype=np.int64))
    check.flag("warning", np.array([True, True]), "zip", pd.Series(["a", "b"]), str)
    assert not check.has_error.any()
    assert [(p.line, p.value) for p in report.warnings] == [(2, "a"), (3, "b")]


def test_checker_adds_findings_in_order_and_skips_misread_rows() -> None:
    report = ValidationReport()
    report.error(3, None, None, "this row has too many cells")
    check = Checker(report, np.array([2, 3, 4], dtype=np.int64))
    values = pd.Series(["a", "b", "c"])
    check.add(
        [
            RowProblem("warning", 2, "latitude", "1, 2", "far away"),
            RowProblem("error", 1, "latitude", "1, 2", "dropped: line 3 was misread"),
            Flag("error", np.array([True, True, False]), "zip", values, lambda v: f"{v}!"),
            RowProblem("error", 0, "name", "x", "per-row error"),
        ]
    )
    assert [(p.line, p.column, p.value, p.message) for p in report.errors] == [
        (3, None, None, "this row has too many cells"),
        (2, "zip", "a", "a!"),
        (2, "name", "x", "per-row error"),
    ]
    assert [str(p) for p in report.warnings] == ["line 4, column latitude: far away"]
    assert check.has_error.tolist() == [True, True, False]


def test_checker_row_problems_past_the_cap_are_counted_and_mark_the_row() -> None:
    report = ValidationReport()
    rows = MAX_PROBLEMS_KEPT + 3
    check = Checker(report, np.arange(2, rows + 2, dtype=np.int64))
    check.add(RowProblem("error", n, "id", "x", "bad") for n in range(rows))
    assert (len(report.errors), report.errors_not_kept) == (MAX_PROBLEMS_KEPT, 3)
    assert check.has_error.all()


def test_the_report_keeps_a_bounded_number_but_counts_all() -> None:
    report = ValidationReport()
    for n in range(MAX_PROBLEMS_KEPT + 7):
        report.error(n + 2, "id", None, "bad")
    report.warning(2, "zip", None, "w")
    assert len(report.errors) == MAX_PROBLEMS_KEPT
    assert report.error_count == MAX_PROBLEMS_KEPT + 7
    assert (report.room("error"), report.room("warning")) == (0, MAX_PROBLEMS_KEPT - 1)
    report.count_unkept("warning", 3)
    assert report.warning_count == 4
    data = report.to_dict()
    assert (data["errors_not_shown"], data["warnings_not_shown"]) == (7, 3)
    assert "… and 7 more not listed" in report.to_text()


def test_a_report_that_kept_nothing_is_still_invalid() -> None:
    report = ValidationReport()
    report.count_unkept("error", 1)
    assert not report.valid


@pytest.mark.parametrize(
    ("rows", "errors", "warnings", "summary"),
    [
        (1, 0, 1, "valid: 1 row, 0 errors, 1 warning"),
        (0, 1, 0, "invalid: 0 rows, 1 error, 0 warnings"),
        (300, 2, 5, "invalid: 300 rows, 2 errors, 5 warnings"),
    ],
)
def test_summary_counts_and_plurals(rows: int, errors: int, warnings: int, summary: str) -> None:
    report = ValidationReport(rows=rows)
    for _ in range(errors):
        report.error(2, "id", None, "e")
    for _ in range(warnings):
        report.warning(2, "zip", None, "w")
    assert report.summary() == summary


def test_to_text_groups_by_severity_and_column_and_ends_with_the_summary() -> None:
    report = ValidationReport(rows=3)
    report.error(None, None, None, "whole-file problem")
    report.error(3, "zip", "8020A", "zip problem")
    report.warning(4, "last_verified", "", "stale")
    assert report.to_text().splitlines() == [
        "Errors (the file cannot be used until these are fixed):",
        "  whole file:",
        "    whole-file problem",
        "  zip:",
        "    line 3, column zip: zip problem",
        "",
        "Warnings (worth checking; the file can still be used):",
        "  last_verified:",
        "    line 4, column last_verified: stale",
        "",
        "invalid: 3 rows, 2 errors, 1 warning",
    ]


def test_to_text_shortens_long_groups() -> None:
    report = ValidationReport(rows=30)
    for line in range(2, 32):
        report.error(line, "zip", None, "bad")
    text = report.to_text(max_per_group=5)
    assert text.count("column zip: bad") == 5
    assert "… and 25 more in this column" in text


def test_a_clean_report_is_just_the_summary() -> None:
    assert ValidationReport(rows=2).to_text() == "valid: 2 rows, 0 errors, 0 warnings"


def test_to_dict_is_the_json_the_cli_prints() -> None:
    report = ValidationReport(rows=1)
    report.error(2, "modalities", "gas", "'gas' is not a modality")
    report.warning(None, None, None, "read as Windows-1252 – ‘quotes’")
    data = json.loads(json.dumps(report.to_dict()))
    assert data == {
        "valid": False,
        "rows": 1,
        "errors": [
            {
                "line": 2,
                "column": "modalities",
                "value": "gas",
                "message": "'gas' is not a modality",
            }
        ],
        "warnings": [
            {
                "line": None,
                "column": None,
                "value": None,
                "message": "read as Windows-1252 – ‘quotes’",
            }
        ],
        "errors_not_shown": 0,
        "warnings_not_shown": 0,
    }
