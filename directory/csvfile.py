"""Turn the bytes of a clinic CSV into a table of cells, whatever the file looks like.

Decoding (UTF-8 with or without a BOM, UTF-16 with a BOM, Windows-1252 from old
Excel), the delimiter (``,``, ``;`` or tab), CSV records with the line each one starts
on, ragged rows and the header row. Nothing here raises for bad content: every
problem goes into the :class:`~directory.report.ValidationReport` with its line.
:mod:`directory.dataset` then normalises and validates the table.

Two readers give the same cells: :func:`read_cells_fast` (pyarrow, for files with one
record per physical line) and :func:`read_cells_exactly` (the csv module, for the rest).

This is the one CSV module: everything that reads CSV text (the validator, storage, the
admin editor) reads it through :func:`read_cells`, and everything that writes it (saves,
exports, the editor) through :func:`csv_text`, so quoting and number spelling are the
same everywhere.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from directory import limits, schema
from directory.report import ValidationReport, quote_value

MAX_FIELD_CHARS = 100_000
"""The longest run of text the exact reader follows before it gives up on the rest of the
file (a missing quote). Cells over :data:`directory.limits.MAX_CELL_CHARS` but under this
are each an error at their line and column, and the rest of the file is still read."""
_MULTILINE_WARNING_LINES = 5

IntArray = npt.NDArray[np.int64]
Cells = tuple[list[str], pd.DataFrame, IntArray]
"""Header cells, a frame of every record's cells (positional columns) and start lines."""


def _invisible_characters() -> str:
    """Unicode format characters (category Cf: zero-width space U+200B, joiners U+200C and
    U+200D, word joiner U+2060, Mongolian vowel separator U+180E, BOM U+FEFF, bidi marks,
    soft hyphen...). Planes 0, 1 and 14 hold every one of them."""
    planes = (*range(0x20000), *range(0xE0000, 0xE1000))
    return "".join(chr(c) for c in planes if unicodedata.category(chr(c)) == "Cf")


INVISIBLE_CHARACTERS = _invisible_characters()
"""Every Unicode format character: invisible, so never the whole of a value."""
TRIMMED = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + INVISIBLE_CHARACTERS
"""What is trimmed from both ends of every cell of the directory's own columns: white space
(including no-break spaces) and invisible format characters, so a name made only of
zero-width characters is empty, and required-value rules see it as empty."""


def trim(text: str) -> str:
    """``text`` without white space or invisible characters at either end (see :data:`TRIMMED`)."""
    return text.strip(TRIMMED)


def read_table(data: bytes | str, report: ValidationReport) -> pd.DataFrame | None:
    """The table of a CSV file's cells (see :func:`build_table`), or None if there is none."""
    text = without_surrogates(data, report) if isinstance(data, str) else decode(data, report)
    if text is None:
        return None
    cells = read_cells(text, report)
    if cells is None:
        return None
    check_cells(*cells, report, nul="\x00" in text)
    return build_table(*cells, report)


def decode(data: bytes, report: ValidationReport) -> str | None:
    """The text of a file's bytes, or None (with an error) when it is not CSV text at all."""
    if not data.strip():
        report.error(
            None,
            None,
            None,
            "the file is empty; it needs a header row and one row "
            "per clinic (see docs/data-format.md)",
        )
        return None
    if data.startswith(b"PK\x03\x04"):
        report.error(
            None,
            None,
            None,
            "this is a spreadsheet workbook (.xlsx), not a CSV; in "
            "your spreadsheet choose File > Save as > CSV UTF-8 and try that file",
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        report.error(
            None,
            None,
            None,
            "this looks like a binary file, not a CSV text file; "
            "save it from your spreadsheet as CSV UTF-8",
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        report.error(
            line,
            None,
            None,
            "the file is not UTF-8 text (nor Windows-1252); save it "
            "from your spreadsheet as CSV UTF-8",
        )
        return None
    line = data[: utf8_error.start].count(b"\n") + 1
    report.warning(
        line,
        None,
        None,
        "the file is not UTF-8; it was read as Windows-1252 "
        "(old Excel). Save it as CSV UTF-8 to be sure accents come through",
    )
    return text


def without_surrogates(text: str, report: ValidationReport) -> str:
    """Text handed over as ``str`` may hold lone surrogates, which Arrow cannot store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        report.warning(
            text.count("\n", 0, error.start) + 1,
            None,
            None,
            "the text holds characters that are not valid Unicode; they were replaced by �",
        )
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def sniff_delimiter(text: str) -> str:
    """``,`` unless the header line has none and has tabs or ``;`` instead."""
    # Excel in many locales saves "CSV" with ';', and "Unicode text" with tabs.
    first_line = text.split("\n", 1)[0]
    if "," in first_line:
        return ","
    return "\t" if "\t" in first_line else (";" if ";" in first_line else ",")


def read_cells(text: str, report: ValidationReport) -> Cells | None:
    """Header cells, a frame of every record's cells (positional columns) and start lines."""
    delimiter = sniff_delimiter(text)
    width = header_width(text, delimiter)
    if width > limits.MAX_COLUMNS:
        # Before either reader: every later step costs time per column (a 1M-column
        # header once took minutes), and a header this wide is never a clinic list.
        report.error(1, None, None, limits.too_many_columns(width))
        return None
    return read_cells_fast(text, delimiter) or read_cells_exactly(text, delimiter, report)


def header_width(text: str, delimiter: str) -> int:
    """How many cells the header record has (the first record that is not blank).

    Counting delimiters on the first line gives an upper bound at once; only when that
    is over the limit (quoted delimiters count too) is the record parsed to be sure.
    """
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    bound = first.count(delimiter) + 1
    # A first line that is not blank and whose quotes are balanced is the whole header.
    if (
        bound <= limits.MAX_COLUMNS
        and first.strip(f'{delimiter}" \t\r')
        and not first.count('"') & 1
    ):
        return bound
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if "".join(record).strip():
                return len(record)
    except csv.Error:
        return 0  # no header record can be read: the exact reader reports why, at once
    return 0


def read_cells_fast(text: str, delimiter: str) -> Cells | None:
    """pyarrow's CSV reader, for the common case of one record per physical line.

    It is about ten times faster than the csv module, but cannot say which line a
    record came from once quoted values hold newlines, and stops at ragged rows. So
    it is only trusted when every line has balanced quotes and the record count
    equals the count of non-blank lines; anything else goes to the exact reader.
    """
    physical = text.split("\n")
    if "\r" in text.replace("\r\n", "\n") or any(line.count('"') & 1 for line in physical):
        return None
    if max(map(len, physical)) > MAX_FIELD_CHARS:
        return None  # it may hold a cell over the limit, which the exact reader reports
    starts = np.fromiter((i for i, line in enumerate(physical, 1) if line.strip()), dtype=np.int64)
    try:
        cells = pd.read_csv(
            io.BytesIO(text.encode("utf-8")),
            header=None,
            dtype=str,
            keep_default_na=False,
            sep=delimiter,
            engine="pyarrow",
        )
    except Exception:  # any complaint from pyarrow means: use the exact reader
        return None
    if len(cells) != len(starts) or len(cells) == 0:
        return None
    header = [str(cell) for cell in cells.iloc[0].fillna("")]
    if not "".join(header).strip():
        return None  # a leading row of empty cells: the exact reader skips it to find the header
    body = cells.iloc[1:].reset_index(drop=True).fillna("")
    body.columns = pd.RangeIndex(len(header))
    return header, body, starts[1:]


def read_cells_exactly(text: str, delimiter: str, report: ValidationReport) -> Cells | None:
    """The csv module, record by record: exact start lines and messages for ragged rows."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not "".join(record).strip():
                continue  # blank lines and rows of empty cells (spreadsheet leftovers)
            if header is None:
                header = record
                continue
            if previous_end - start >= _MULTILINE_WARNING_LINES:
                report.warning(
                    start,
                    None,
                    None,
                    f"this record runs over {previous_end - start + 1}"
                    " lines inside quotes; check for a missing closing quote",
                )
            records.append(_fit_record(record, len(header), start, report))
            lines.append(start)
    except csv.Error as error:
        report.error(
            previous_end + 1,
            None,
            None,
            f"cannot read the CSV from here on ({error}); "
            "check for a missing quote or a cell longer than "
            f"{MAX_FIELD_CHARS} characters",
        )
    # A record running to the end of the file with an odd number of quotes: one never closed.
    spans_to_end = bool(lines) and previous_end > lines[-1]
    if spans_to_end and text.count('"', _offset_of_line(text, lines[-1])) & 1:
        report.error(
            lines[-1],
            None,
            None,
            f"a quote opened in this record is never closed, so everything from line "
            f"{lines[-1]} to the end of the file (line {previous_end}) was read as one "
            "record; add the closing quote",
        )
    if header is None:
        if report.valid:
            report.error(
                None,
                None,
                None,
                "the file has no header row; the first line must name "
                "the columns (see docs/data-format.md)",
            )
        return None
    body = (
        pd.DataFrame(records, columns=range(len(header)), dtype=str)
        if records
        else (pd.DataFrame({i: pd.Series([], dtype=str) for i in range(len(header))}))
    )
    return header, body, np.asarray(lines, dtype=np.int64)


def _offset_of_line(text: str, line: int) -> int:
    """Where physical line ``line`` (1-based, as the csv module counts) starts in ``text``."""
    offset = 0
    for _ in range(line - 1):
        found = _LINE_BREAK.search(text, offset)
        if found is None:
            return len(text)
        offset = found.end()
    return offset


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _fit_record(record: list[str], width: int, line: int, report: ValidationReport) -> list[str]:
    if len(record) > width:
        if any(cell.strip() for cell in record[width:]):
            curly = any(quote in cell for cell in record for quote in "“”")
            hint = " (curly quotes “ ” do not count as quotes in a CSV file)" if curly else ""
            report.error(
                line,
                None,
                None,
                f"this row has {len(record)} cells but the header "
                f"has {width}; check for an unquoted comma in a value{hint}",
            )
        return record[:width]
    if len(record) < width:
        report.warning(
            line,
            None,
            None,
            f"this row has {len(record)} cells but the header "
            f"has {width}; the missing cells are treated as empty",
        )
        return record + [""] * (width - len(record))
    return record


def build_table(
    header: list[str], cells: pd.DataFrame, lines: IntArray, report: ValidationReport
) -> pd.DataFrame:
    """One row per record, named columns: schema columns trimmed, unknown ones untouched.

    Columns keep the file's order (header spellings such as ``Zip Code`` become schema
    names), schema columns the file lacks are added empty, and ``_line`` holds each
    record's start line. Header problems are reported on line 1.
    """
    stripped = (
        cells.apply(lambda column: column.str.strip(TRIMMED)) if len(cells.columns) else cells
    )
    # Rows of empty cells and empty unnamed columns at the right are spreadsheet leftovers.
    filled = stripped != ""
    keep_rows = filled.any(axis=1).to_numpy(dtype=bool)
    cells, stripped, lines = cells[keep_rows], stripped[keep_rows], lines[keep_rows]
    width = len(header)
    while width and not header[width - 1].strip() and not filled.iloc[:, width - 1].any():
        width -= 1
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(header[:width], start=1):
        raw = trim(cell)
        name = schema.canonical_column(raw) or raw
        if not raw:
            report.error(
                1,
                f"#{position}",
                None,
                f"column {position} has no name in the header "
                "but has values below it; name it or delete it",
            )
            name = f"column_{position}"
        if name in seen:
            report.error(
                1,
                name,
                raw,
                f"the column {quote_value(raw)} appears twice in the "
                f"header (columns {seen[name]} and {position}); keep one",
            )
            name = f"{name}_{position}"
        elif name.startswith(schema.DERIVED_PREFIX):
            # Such columns would never be saved back (and could clash with the loader's own).
            report.error(
                1,
                name,
                raw,
                f"column names starting with {quote_value(schema.DERIVED_PREFIX)} are "
                f"reserved for the app; rename {quote_value(raw)}",
            )
        seen.setdefault(name, position)
        names.append(name)
    missing = [c for c in schema.REQUIRED_HEADER if c not in seen]
    for column in missing:
        report.error(
            1,
            column,
            None,
            f"missing required column {quote_value(column)}; the header "
            f"must include {', '.join(schema.REQUIRED_HEADER)}",
        )
    # Schema columns are trimmed; columns the schema does not know are kept exactly as given.
    # (Column by column: assigning a block with .iloc re-boxes every cell into Arrow, ~3 s/100k.)
    parts = [
        (stripped if name in schema.COLUMNS_BY_NAME else cells).iloc[:, i]
        for i, name in enumerate(names)
    ]
    table = (
        pd.concat(parts, axis=1, ignore_index=True) if parts else cells.iloc[:, :0].copy()
    ).reset_index(drop=True)
    table.columns = pd.Index(names)
    for absent in schema.COLUMN_NAMES:
        if absent not in table.columns:
            table[absent] = pd.Series([""] * len(table), dtype=str)
    table[schema.LINE] = lines
    table.attrs["missing_columns"] = missing
    return table


def check_cells(
    header: list[str], cells: pd.DataFrame, lines: IntArray, report: ValidationReport, *, nul: bool
) -> None:
    """Cells over :data:`~directory.limits.MAX_CELL_CHARS` characters, and NUL characters
    anywhere, are errors at their record's line and column (line 1 for the header).

    ``nul`` says whether the text holds a NUL at all (one fast search of the text spares
    a search of every column).
    """
    names = [trim(cell) or f"#{position}" for position, cell in enumerate(header, start=1)]
    for position, cell in enumerate(header):
        _report_cell(report, 1, names[position][:_VALUE_CHARS_KEPT], cell)
    for position, name in enumerate(names[: len(cells.columns)]):
        column = cells.iloc[:, position]
        bad = column.str.len() > limits.MAX_CELL_CHARS
        if nul:
            bad |= column.str.contains("\x00", regex=False)
        for index in np.flatnonzero(bad.to_numpy(dtype=bool)):
            _report_cell(report, int(lines[index]), name, str(column.iloc[index]))


_VALUE_CHARS_KEPT = 200  # of a cell too long to keep whole in the report


def _report_cell(report: ValidationReport, line: int, column: str, value: str) -> None:
    """An error for a cell holding a NUL or over the length limit; nothing for others."""
    if "\x00" in value:
        message = (
            "this cell holds a NUL character (a zero byte), which CSV text never holds; the "
            "file is damaged or not a CSV: save it from your spreadsheet as CSV UTF-8"
        )
    elif len(value) > limits.MAX_CELL_CHARS:
        message = limits.cell_too_long(len(value))
    else:
        return
    shown = value if len(value) <= _VALUE_CHARS_KEPT else value[:_VALUE_CHARS_KEPT] + "…"
    report.error(line, column, shown, message)


def is_blank(cells: pd.Series) -> npt.NDArray[np.bool_]:
    """Which cells of a column are empty (schema columns are already trimmed)."""
    return np.asarray(cells.eq("").to_numpy(), dtype=bool)


def empty_table() -> pd.DataFrame:
    """A table with every schema and derived column and no rows."""
    table = pd.DataFrame({name: pd.Series([], dtype=object) for name in schema.COLUMN_NAMES})
    table[schema.LINE] = pd.Series([], dtype=np.int64)
    table[schema.LAT] = pd.Series([], dtype=np.float64)
    table[schema.LON] = pd.Series([], dtype=np.float64)
    table[schema.COORDINATES_APPROXIMATE] = pd.Series([], dtype=bool)
    table[schema.HAS_ERROR] = pd.Series([], dtype=bool)
    return table


# --- writing ------------------------------------------------------------------------------

NUMBER_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "price_per_session_usd")
"""Schema columns the loader holds as floats; :func:`number_texts` spells them in the CSV."""


def number_texts(values: Iterable[float]) -> list[str]:
    """Floats as the CSV holds them: ``550.0`` -> ``'550'``, NaN -> ``''``, else shortest repr.

    repr of a float is the shortest text that reads back to the same float, so a
    load -> save -> load round trip never drifts (and ``-0.0`` writes as ``'0'``).
    """
    return [
        "" if v != v else (str(int(v)) if float(v).is_integer() else repr(float(v))) for v in values
    ]


def write_csv_text(table: pd.DataFrame) -> str:
    """The CSV text of a clinic table: every non-derived column, numbers without noise."""
    out = table[schema.data_columns(table.columns)].copy()
    for name in NUMBER_COLUMNS:
        if name in out.columns and pd.api.types.is_numeric_dtype(out[name]):
            out[name] = number_texts(out[name].to_numpy(dtype=np.float64).tolist())
    return csv_text(out)


def csv_text(table: pd.DataFrame) -> str:
    """A table as CSV text with ``\\n`` line ends, which reads back to the same cells.

    The csv module quotes a cell holding ``\\n`` but not one holding a lone ``\\r``,
    which every reader takes for a line end, splitting the row. In the rare table
    with such a cell every cell is quoted instead.
    """
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    text = buffer.getvalue()
    if "\r" not in text:
        return text
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)
    return buffer.getvalue()


def read_written(text: str) -> pd.DataFrame | None:
    """The cells of CSV text this package wrote, as strings under their header names.

    No validation and no normalising: for text from :func:`csv_text` (the editor's
    starting table, the file the last save wrote). None when the text does not read
    back cleanly as one table, so the caller can fall back to the validator.
    """
    report = ValidationReport()
    cells = read_cells(text, report)
    if cells is None or not report.valid or report.warning_count:
        return None
    header, body, _lines = cells
    if len(set(header)) != len(header):
        return None
    body = body.copy()
    body.columns = pd.Index(header)
    return body.reset_index(drop=True)
