"""Reading an uploaded CSV: UTF-8 decoding, the header check, and each row with the physical line it starts on."""

import csv
import io
from dataclasses import dataclass

from config.spreadsheet import spreadsheet_unescape
from seizures.imports.result import RowError


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def _bad_byte_column(line: bytes, position: int, header: list[str]) -> str:
    """Name the column holding the undecodable byte, so the reader knows which value to retype."""
    before = line[:position].decode("utf-8", errors="replace")
    fields = next(csv.reader([before]), [])
    index = max(len(fields) - 1, 0)
    return header[index] if index < len(header) else "file"


def _decode(data: bytes) -> tuple[str, list[RowError]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as whole_file_error:
        first_failure = whole_file_error
    errors = []
    header: list[str] = []
    # bytes.splitlines breaks on \n, \r and \r\n only, like the csv reader, so the numbers match.
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            column = "header" if number == 1 else _bad_byte_column(line, error.start, header)
            errors.append(
                RowError(
                    number,
                    column,
                    f"not UTF-8: byte {error.start + 1} of the line is 0x{line[error.start]:02X}; "
                    "save the file as UTF-8",
                )
            )
            continue
        if number == 1:
            header = [name.strip().lower() for name in next(csv.reader([text]), [])]
    if not errors:
        errors.append(RowError(1, "file", f"not UTF-8 ({first_failure.reason}); save the file as UTF-8"))
    return "", errors


def _check_header(header: list[str], columns: list[str], trailing: list[str]) -> str | None:
    """Return what is wrong with the header, or None. The trailing columns are accepted all together or not at all."""
    expected = [*columns, *trailing] if set(trailing) & set(header) else list(columns)
    if header == expected:
        return None
    missing = [name for name in expected if name not in header]
    unexpected = [name for name in header if name not in expected]
    repeated = sorted({name for name in header if header.count(name) > 1 and name in expected})
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if unexpected:
        shown = ", ".join(name or "(empty)" for name in unexpected)
        problems.append(f"unexpected column{'s' if len(unexpected) > 1 else ''} {shown}")
    if repeated:
        problems.append(f"repeated column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)}")
    if not problems:
        problems.append("the columns are in the wrong order")
    return f"{'; '.join(problems)} (expected {','.join(expected)})"


def read_rows(data: bytes, *, columns: list[str], trailing: list[str] = ()) -> tuple[list[Row], list[RowError]]:
    """Decode and split the file into rows keyed by column, stripped of surrounding spaces.

    Returns (rows, errors). A file-level error (encoding, empty file, header) comes back alone with no rows;
    a row with the wrong number of fields is an error for that row and the others are still returned.
    """
    text, errors = _decode(data)
    if errors:
        return [], errors
    if not text.strip():
        return [], [RowError(1, "file", f"the file is empty; expected the header {','.join(columns)} and rows")]

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        return [], [RowError(1, "header", f"unreadable CSV: {error}")]
    problem = _check_header(header, list(columns), list(trailing))
    if problem:
        return [], [RowError(1, "header", problem)]

    rows, errors = [], []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(start, "row", f"unreadable CSV: {error}"))
            break
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            errors.append(RowError(start, "row", f"expected {len(header)} fields, found {len(fields)}"))
            continue
        # PostgreSQL cannot store or compare text with a NUL character; no value of these files needs one.
        with_nul = [name for name, value in zip(header, fields, strict=True) if "\x00" in value]
        if with_nul:
            errors.extend(RowError(start, name, "contains a NUL character (0x00); remove it") for name in with_nul)
            continue
        rows.append(
            Row(start, {name: spreadsheet_unescape(value.strip()) for name, value in zip(header, fields, strict=True)})
        )
    if not rows and not errors:
        errors.append(RowError(2, "file", "the file has a header but no rows"))
    return rows, errors
