"""Reading the bytes of a clinic CSV into a table of cells (directory.csvfile).

Decoding, the delimiter, the two readers (pyarrow for plain files, the csv module for
the rest) and the table builder. The loader's own tests (test_dataset.py) cover the same
ground through :func:`~directory.dataset.load_clinics`; these call the pieces directly,
and check that the fast and the exact reader can never disagree.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import HEADER, PLAUSIBLE_CELLS, TODAY, csv_text, row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import csvfile, dataset, schema
from directory.csvfile import write_csv_text
from directory.dataset import parse_clinics
from directory.report import ValidationReport

# --- decoding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param("id,name\nc,Café\n".encode(), "id,name\nc,Café\n", id="utf-8"),
        pytest.param(b"\xef\xbb\xbfid\n", "id\n", id="utf-8-bom-dropped"),
        pytest.param("id\nCafé\n".encode("utf-16"), "id\nCafé\n", id="utf-16-bom"),
        pytest.param(b"\xfe\xff" + "id\n".encode("utf-16-be"), "id\n", id="utf-16-be-bom"),
    ],
)
def test_decode_reads_unicode_text_without_a_word(data: bytes, text: str) -> None:
    report = ValidationReport()
    assert csvfile.decode(data, report) == text
    assert report.to_dict() == ValidationReport().to_dict()


def test_decode_falls_back_to_windows_1252_with_a_warning_at_the_first_odd_byte() -> None:
    report = ValidationReport()
    assert csvfile.decode(b"id,name\nc,ok\nd,Caf\xe9\n", report) == "id,name\nc,ok\nd,Café\n"
    assert report.valid
    [warning] = report.warnings
    assert warning.line == 3
    assert "read as Windows-1252" in warning.message


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(b"", None, "the file is empty", id="empty"),
        pytest.param(b"\n \r\n", None, "the file is empty", id="blank"),
        pytest.param(b"PK\x03\x04rest", None, "spreadsheet workbook (.xlsx)", id="xlsx"),
        pytest.param(b"id\x00\x01\x02", None, "binary file", id="nul-bytes"),
        pytest.param(
            b"id\nok\n\x81\x8d\n", 3, "not UTF-8 text (nor Windows-1252)", id="undecodable"
        ),
    ],
)
def test_decode_refuses_what_is_not_csv_text(data: bytes, line: int | None, message: str) -> None:
    report = ValidationReport()
    assert csvfile.decode(data, report) is None
    [error] = report.errors
    assert error.line == line
    assert message in error.message


def test_lone_surrogates_in_text_are_replaced_with_a_warning_at_their_line() -> None:
    report = ValidationReport()
    assert csvfile.without_surrogates("id\nMile\ud800High\n", report) == "id\nMile\ufffdHigh\n"
    [warning] = report.warnings
    assert warning.line == 2
    assert csvfile.without_surrogates("plain", report) == "plain"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("id,name\n", ","),
        ("id;name\n", ";"),
        ("id\tname\n", "\t"),
        ("id;name,x\n", ","),  # a comma in the header wins
        ("id\n", ","),
        ("id\nx;y\tz\n", ","),  # only the header line counts
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert csvfile.sniff_delimiter(text) == delimiter


# --- the exact reader -----------------------------------------------------------------------


def test_exact_reader_gives_each_record_its_start_line() -> None:
    text = 'id,notes\n\na,"one\ntwo\nthree"\n,\nb,plain\n'
    report = ValidationReport()
    cells = csvfile.read_cells_exactly(text, ",", report)
    assert cells is not None
    header, body, lines = cells
    assert header == ["id", "notes"]
    assert body.to_numpy().tolist() == [["a", "one\ntwo\nthree"], ["b", "plain"]]
    assert lines.tolist() == [3, 7]
    assert report.to_dict() == ValidationReport().to_dict()


def test_exact_reader_cuts_long_rows_with_an_error_and_pads_short_ones_with_a_warning() -> None:
    report = ValidationReport()
    cells = csvfile.read_cells_exactly("a,b,c\n1,2,3,4\n1,2\n1,2,3,,\n", ",", report)
    assert cells is not None
    _, body, lines = cells
    assert body.to_numpy().tolist() == [["1", "2", "3"], ["1", "2", ""], ["1", "2", "3"]]
    assert lines.tolist() == [2, 3, 4]
    assert [(p.line, p.column) for p in report.errors] == [(2, None)]
    assert "this row has 4 cells but the header has 3" in report.errors[0].message
    assert [(p.line, p.column) for p in report.warnings] == [(3, None)]


def test_exact_reader_reports_a_quote_never_closed_at_the_record_start() -> None:
    report = ValidationReport()
    cells = csvfile.read_cells_exactly('a,b\n1,2\n3,"four\n5,6\n7,8\n', ",", report)
    assert cells is not None
    assert cells[2].tolist() == [2, 3]
    [error] = report.errors
    assert error.line == 3
    assert "never closed" in error.message
    assert "(line 5)" in error.message


def test_exact_reader_stops_at_a_cell_over_the_limit() -> None:
    report = ValidationReport()
    text = 'a,b\n1,2\n3,"' + "x" * (csvfile.MAX_FIELD_CHARS + 1) + '"\n'
    cells = csvfile.read_cells_exactly(text, ",", report)
    assert cells is not None
    assert cells[2].tolist() == [2]
    [error] = report.errors
    assert error.line == 3
    assert "cannot read the CSV from here on" in error.message


def test_exact_reader_without_a_header_is_one_error() -> None:
    report = ValidationReport()
    assert csvfile.read_cells_exactly("\n,,\n", ",", report) is None
    [error] = report.errors
    assert (error.line, error.column) == (None, None)
    assert "no header row" in error.message


# --- the fast reader ------------------------------------------------------------------------


def test_fast_reader_reads_a_plain_file_with_blank_lines_and_exact_line_numbers() -> None:
    text = "id;name\n\na;Alpha\n\nb;\n"
    cells = csvfile.read_cells_fast(text, ";")
    assert cells is not None
    header, body, lines = cells
    assert header == ["id", "name"]
    assert body.to_numpy().tolist() == [["a", "Alpha"], ["b", ""]]
    assert lines.tolist() == [3, 5]


def test_fast_reader_keeps_text_that_looks_like_other_types() -> None:
    cells = csvfile.read_cells_fast("zip,price,flag,none\n02116,1e400,TRUE,NA\n", ",")
    assert cells is not None
    assert cells[1].to_numpy().tolist() == [["02116", "1e400", "TRUE", "NA"]]


# --- the two readers agree ---------------------------------------------------------------


def _through_both_readers(text: str) -> tuple[Any, Any] | None:
    """Header, cells and lines from the fast and the exact reader (None if fast declines)."""
    delimiter = csvfile.sniff_delimiter(text)
    fast = csvfile.read_cells_fast(text, delimiter)
    if fast is None:
        return None
    exact = csvfile.read_cells_exactly(text, delimiter, ValidationReport())
    return fast, exact


def _validated(cells: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    report = ValidationReport()
    table = dataset._validate(csvfile.build_table(*cells, report), report, TODAY)
    report.sort()
    return table, report.to_dict()


def assert_same_tables(fast: Any, exact: Any) -> None:
    """The two readers' cells make the same table and the same header report.

    Raw cells may differ only in rows of empty cells, which the exact reader skips at
    once and the table builder drops for the fast one.
    """
    assert exact is not None
    fast_report, exact_report = ValidationReport(), ValidationReport()
    fast_table = csvfile.build_table(*fast, fast_report)
    exact_table = csvfile.build_table(*exact, exact_report)
    pd.testing.assert_frame_equal(fast_table, exact_table)
    assert fast_report.to_dict() == exact_report.to_dict()


printable = st.characters(categories=["L", "N", "P", "S", "Zs"]) | st.sampled_from(',"; ')


@pytest.mark.slow  # 150 examples: about 4 s
@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(st.text(printable, max_size=8), min_size=width, max_size=width),
            min_size=1,
            max_size=6,
        )
    ),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, None]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_fast_and_exact_readers_agree(
    table: list[list[str]], quoting: int | None, terminator: str
) -> None:
    if quoting is None:  # joined by hand: quotes land anywhere, unescaped
        text = terminator.join(",".join(record) for record in table) + terminator
    else:
        buffer = io.StringIO()
        csv.writer(buffer, quoting=quoting, lineterminator=terminator).writerows(table)
        text = buffer.getvalue()
    both = _through_both_readers(text)
    if both is not None:
        assert_same_tables(*both)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.sampled_from(PLAUSIBLE_CELLS), min_size=len(HEADER), max_size=len(HEADER)),
        min_size=1,
        max_size=4,
    )
)
def test_fast_and_exact_paths_give_identical_tables_and_reports(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    both = _through_both_readers(buffer.getvalue())
    if both is None:
        return
    fast_table, fast_report = _validated(both[0])
    exact_table, exact_report = _validated(both[1])
    pd.testing.assert_frame_equal(fast_table, exact_table)
    assert fast_report == exact_report


def test_fast_and_exact_paths_agree_on_a_synthetic_file() -> None:
    from directory.synth import generate_clinics

    text = write_csv_text(generate_clinics(1500, seed=11, today=TODAY))
    text = text.replace("Fictional", "=Fictional", 3)  # a few warnings of every kind
    both = _through_both_readers(text)
    assert both is not None, "the fast path should apply to a plain file"
    fast_table, fast_report = _validated(both[0])
    exact_table, exact_report = _validated(both[1])
    pd.testing.assert_frame_equal(fast_table, exact_table)
    assert fast_report == exact_report
    assert fast_report["warnings"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('a,b\n"x\ny",z\n', id="newline-in-quotes"),
        pytest.param("a,b\nx,y\rz,w\n", id="bare-cr"),
        pytest.param('a,b\nx"y,z\n', id="odd-quote"),
        pytest.param("a,b\nx,y,z\n", id="ragged"),
        pytest.param(",,\na,b,c\n", id="blank-first-record"),
    ],
)
def test_fast_reader_declines_what_it_cannot_place_exactly(text: str) -> None:
    assert csvfile.read_cells_fast(text, ",") is None


# --- the table builder ----------------------------------------------------------------------


def test_build_table_names_columns_by_schema_and_adds_the_missing_ones() -> None:
    report = ValidationReport()
    body = pd.DataFrame([[" c-1 ", "  keep  ", "80202 "]], columns=range(3), dtype=str)
    table = csvfile.build_table(
        ["ID", "Internal", "Zip Code"], body, np.array([2], dtype=np.int64), report
    )
    assert list(table.columns[:3]) == ["id", "Internal", "zip"]
    assert set(schema.COLUMN_NAMES) <= set(table.columns)
    assert table.loc[0, "id"] == "c-1"  # schema columns are trimmed
    assert table.loc[0, "Internal"] == "  keep  "  # unknown columns are kept exactly
    assert table.loc[0, schema.LINE] == 2
    assert [(p.line, p.column) for p in report.errors] == [
        (1, name) for name in schema.REQUIRED_HEADER if name not in ("id",)
    ]


def test_is_blank_and_empty_table() -> None:
    assert csvfile.is_blank(pd.Series(["", "x", " "])).tolist() == [True, False, False]
    empty = csvfile.empty_table()
    assert empty.empty
    assert list(empty.columns) == [*schema.COLUMN_NAMES, *schema.DERIVED_COLUMNS]


# --- NUL characters and invisible characters (issue 12) ---------------------------------------


def test_a_nul_past_the_first_64_kib_is_an_error_at_its_line_and_column() -> None:
    """issue 12 finding 7: a NUL after the first 64 KiB was accepted silently."""
    rows = [row(id=f"c{n}", name=f"Clinic {n}", address=f"{n} Main St") for n in range(400)]
    rows[350] = row(id="c350", name="Clinic\x00350", address="350 Main St")
    text = csv_text(*rows)
    assert text.index("\x00") > 65536
    loaded = parse_clinics(text.encode(), today=TODAY)
    [error] = loaded.report.errors
    assert (error.line, error.column) == (352, "name")
    assert error.message.startswith("this cell holds a NUL character (a zero byte)")
    assert "c350" not in set(loaded.usable()["id"])
    assert len(loaded.usable()) == 399


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        pytest.param("id,na\x00me\n", 1, "na\x00me", id="header"),
        pytest.param('id,name\na,"two\nlines\x00"\n', 2, "name", id="in-a-multiline-cell"),
        pytest.param("id,name,own\na,b,c\x00\n", 2, "own", id="unknown-column"),
    ],
)
def test_a_nul_anywhere_is_an_error_at_its_record(text: str, line: int, column: str) -> None:
    report = ValidationReport()
    table = csvfile.read_table(text, report)
    assert table is not None
    assert [(p.line, p.column) for p in report.errors if "NUL" in p.message] == [(line, column)]


@pytest.mark.parametrize(
    ("cell", "trimmed"),
    [
        pytest.param("\u200b", "", id="zero-width-space"),
        pytest.param("\u200c\u200d", "", id="zero-width-joiners"),
        pytest.param("\u2060\u180e\ufeff", "", id="word-joiner-mongolian-bom"),
        pytest.param("\u00a0 \u3000\t", "", id="unicode-spaces"),
        pytest.param("\u200e\u00ad", "", id="bidi-mark-soft-hyphen"),
        pytest.param("\u200bMile High\u200b ", "Mile High", id="around-text"),
        pytest.param("Mile\u200bHigh", "Mile\u200bHigh", id="inside-text-is-kept"),
        pytest.param("👨\u200d👩", "👨\u200d👩", id="emoji-joiner-is-kept"),
    ],
)
def test_invisible_characters_are_trimmed_like_spaces(cell: str, trimmed: str) -> None:
    assert csvfile.trim(cell) == trimmed


def test_unknown_columns_keep_invisible_characters_as_typed() -> None:
    report = ValidationReport()
    table = csvfile.read_table("id,own\na,\u200b\n", report)
    assert table is not None
    assert table.loc[0, "own"] == "\u200b"
