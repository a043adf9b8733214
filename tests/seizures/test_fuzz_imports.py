"""Bad input in every column of both CSV imports (DESIGN.md "CSV formats"): hypothesis builds a valid file, then
mutates cells (bad dates, decimals, units, unknown models, ports and events, empty required values, NUL bytes) and
structure (extra or missing columns and fields, BOM, CRLF, quoted newlines, bytes that are not UTF-8, repeated entry
numbers with conflicting data). Either the import writes exactly what the file says, or it refuses the file with
errors naming the line and column, and then nothing was written. Never an exception.

The imports run through shipments_import / events_import, the functions behind both the admin upload pages and the
import_shipments / import_events commands. Runs are derandomized: CI replays the same examples every time.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from config.spreadsheet import spreadsheet_unescape
from seizures import services
from seizures.entry_numbers import normalise_entry_number
from seizures.exports import EXPORT_ONLY_COLUMNS
from seizures.imports import events_import, shipments_import
from seizures.imports.events import COLUMNS as EVENT_COLUMNS
from seizures.imports.shipments import COLUMNS as SHIPMENT_COLUMNS
from seizures.models import (
    UNIT_MOVING_KINDS,
    CustodyChange,
    Deadline,
    EventKind,
    Importer,
    Port,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)
from tests.factories import ImporterFactory, make_shipment

pytestmark = pytest.mark.django_db
D = datetime.date

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text a person might type, commas, quotes and line breaks included; no NUL (a mutation of its own) and no private-use
# characters (they mark where bytes that are not UTF-8 go).
_CHARACTERS = st.characters(exclude_categories=("Cs", "Co"), exclude_characters="\x00")
_ONE_LINE = st.characters(exclude_categories=("Cs", "Co"), exclude_characters="\x00\r\n")


def texts(max_size: int, *, one_line: bool = True) -> st.SearchStrategy[str]:
    return st.text(_ONE_LINE if one_line else _CHARACTERS, max_size=max_size)


# The file ----------------------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc", b"\xe9t\xe9"]  # Latin-1 "été" among them


@dataclass
class CsvFile:
    header: list[str]
    rows: list[list[str]]
    bom: bool = False
    newline: str = "\n"
    blank_after: set[int] = field(default_factory=set)  # rows followed by an empty line
    not_utf8: dict[tuple[int, int], bytes] = field(default_factory=dict)  # (row, column) → bytes before its text

    def encode(self) -> tuple[bytes, list[int], int]:
        """The bytes, the physical line each row starts on (the header is line 1), and the number of lines."""
        marks = {}
        rows = [list(row) for row in self.rows]
        for number, ((row, column), _) in enumerate(sorted(self.not_utf8.items())):
            marks[chr(0xE000 + number)] = self.not_utf8[(row, column)]
            rows[row][column] = chr(0xE000 + number) + rows[row][column]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=self.newline)
        writer.writerow(self.header)
        starts = []
        for index, row in enumerate(rows):
            starts.append(len(_LINE_BREAK.findall(out.getvalue())) + 1)
            writer.writerow(row)
            if index in self.blank_after:
                out.write(self.newline)
        text = out.getvalue()
        data = ("\ufeff" if self.bom else "").encode() + text.encode()
        for mark, raw in marks.items():
            data = data.replace(mark.encode(), raw)
        return data, starts, len(_LINE_BREAK.findall(text)) + 1


@dataclass
class Expected:
    """What the import must say about a file: errors it must report, or exactly the errors it must report."""

    errors: set[tuple[int, str]] = field(default_factory=set)  # (line, column) pairs that must be among the errors
    exactly: set[tuple[int, str]] | None = None
    refused: bool = False  # refused even if no (line, column) can be named in advance

    @property
    def must_refuse(self) -> bool:
        return self.refused or bool(self.errors) or bool(self.exactly)


@dataclass
class Mutated:
    file: CsvFile
    base_rows: int  # rows that cell mutations may touch (rows appended after them carry their own expectation)
    bad_cells: dict[tuple[int, int], bool] = field(default_factory=dict)  # (row, column) → certainly refused
    wrong_width: set[int] = field(default_factory=set)
    header_broken: bool = False
    row_errors: list[tuple[int, str]] = field(default_factory=list)  # (row, column) the appended rows must cause
    refused: bool = False

    def expected(self, starts: list[int]) -> Expected:
        file = self.file
        if file.not_utf8:  # nothing else is read: each such line is named, at the column of its first bad byte
            first: dict[int, int] = {}
            for row, column in sorted(file.not_utf8):
                first.setdefault(row, column)
            return Expected(
                exactly={(starts[row], file.header[column].strip().lower()) for row, column in first.items()}
            )
        if self.header_broken:
            return Expected(exactly={(1, "header")})
        expected = Expected(refused=self.refused)
        for row in range(self.base_rows):
            cells = file.rows[row]
            line = starts[row]
            if not any(cell.strip() for cell in cells):
                continue  # a blank row is skipped
            if row in self.wrong_width:
                expected.errors.add((line, "row"))
                continue
            columns = [name.strip().lower() for name in file.header]
            with_nul = {columns[index] for index, cell in enumerate(cells) if "\x00" in cell}
            if with_nul:
                expected.errors |= {(line, name) for name in with_nul}
                continue
            expected.errors |= {
                (line, columns[index]) for (at, index), certain in self.bad_cells.items() if at == row and certain
            }
        expected.errors |= {(starts[row], column) for row, column in self.row_errors}
        return expected


@st.composite
def mutated(
    draw,
    rows: list[list[str]],
    columns: list[str],
    bad_values: dict[str, list[str]],
    extra_rows,
    *,
    trailing: list[str] = (),
) -> Mutated:
    """The rows as a file, with cell and structure mutations drawn; extra_rows(draw) → [(row, expectation)]."""
    file = CsvFile(header=list(columns), rows=[list(row) for row in rows])
    result = Mutated(file=file, base_rows=len(rows))

    for row, expectation in extra_rows(draw):
        file.rows.append(row)
        if isinstance(expectation, str):
            result.row_errors.append((len(file.rows) - 1, expectation))
        else:
            result.refused = True

    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(columns) - 1))
        name = columns[column]
        kind = draw(st.sampled_from(["bad", "bad", "any", "nul"]))
        if kind == "bad" and bad_values.get(name):
            file.rows[row][column] = draw(st.sampled_from(bad_values[name]))
            result.bad_cells[(row, column)] = True
        elif kind == "nul":
            value = file.rows[row][column]
            at = draw(st.integers(0, len(value)))
            file.rows[row][column] = value[:at] + "\x00" + value[at:]
            result.bad_cells[(row, column)] = True
        else:
            file.rows[row][column] = draw(texts(30, one_line=column != len(columns) - 1))
            result.bad_cells[(row, column)] = False

    structure = draw(st.lists(st.sampled_from(["bom", "crlf", "blank", "header_case", "trailing"]), max_size=3))
    # At most one change that breaks the file, in a quarter of the files.
    breaking = ["drop_column", "extra_column", "some_trailing", "wider_row", "narrower_row", "not_utf8"]
    if draw(st.booleans()) and draw(st.booleans()):
        structure.append(draw(st.sampled_from(breaking)))
    if "bom" in structure:
        file.bom = True
    if "crlf" in structure:
        file.newline = "\r\n"
    if "blank" in structure:
        file.blank_after = {draw(st.integers(0, len(file.rows) - 1))}
    if "header_case" in structure:
        column = draw(st.integers(0, len(columns) - 1))
        file.header[column] = f" {file.header[column].upper()} "
    if "trailing" in structure and trailing:
        file.header += trailing
        for row in file.rows:
            row += [draw(texts(8)) for _ in trailing]
    elif "some_trailing" in structure and trailing:
        file.header.append(trailing[0])
        for row in file.rows:
            row.append("")
        result.header_broken = True
    if "drop_column" in structure:
        column = draw(st.integers(0, len(columns) - 1))
        for row in [file.header, *file.rows]:
            del row[column]
        result.header_broken = True
    elif "extra_column" in structure:
        file.header.append(draw(st.sampled_from(["extra", "comment", "", "entry_number"])))
        for row in file.rows:
            row.append(draw(texts(8)))
        result.header_broken = True
    if {"wider_row", "narrower_row"} & set(structure):
        row = draw(st.integers(0, len(rows) - 1))
        if "wider_row" in structure:
            file.rows[row].append(draw(texts(8)))
        else:
            file.rows[row].pop()
        result.wrong_width.add(row)
    if "not_utf8" in structure and not result.header_broken:
        for _ in range(draw(st.integers(1, 2))):
            row = draw(st.integers(0, len(rows) - 1))
            # Before the last column: notes may span lines, and the error names the line the byte is on.
            column = draw(st.integers(0, min(len(file.rows[row]), len(columns)) - 2))
            file.not_utf8[(row, column)] = draw(st.sampled_from(_NOT_UTF8))
    return result


def one_bad_cell(columns: list[str], row: list[str], column: str, value: str) -> Mutated:
    """A one-row file whose one cell is certainly refused."""
    rows = [list(row)]
    rows[0][columns.index(column)] = value
    file = CsvFile(header=list(columns), rows=rows)
    return Mutated(file=file, base_rows=1, bad_cells={(0, columns.index(column)): True})


def known_cases(*cases: Mutated):
    """Explicit examples first: files that broke the imports before (a 500 in the admin, a traceback in the command)."""

    def decorate(test):
        for case in cases:
            test = example(case=case, dry_run=False)(test)
        return test

    return decorate


# Checks every import must pass -------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Row counts of everything an import writes, the audit history included."""
    models = [Shipment, ShipmentLine, ShipmentEvent, CustodyChange, Importer, Deadline]
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {f"history of {model.__name__}": model.history.count() for model in (Shipment, ShipmentLine, Importer)}
    return counts


def run_import(run, data: bytes, *, dry_run: bool, user, check) -> None:
    """Import and check(result, counts before, counts after) in a savepoint rolled back afterwards, so each example
    starts from the same ledger."""
    with transaction.atomic():
        before = table_counts()
        result = run(data=data, dry_run=dry_run, user=user)
        check(result, before, table_counts())
        transaction.set_rollback(True)


def check_refusal(result, expected: Expected, before, after, *, columns: list[str], lines: int) -> None:
    assert after == before, "a refused import wrote something"
    named = {(error.line, error.column) for error in result.errors}
    for error in result.errors:
        assert 1 <= error.line <= lines + 1
        assert error.column in {*columns, "header", "file", "row"}
        assert str(error).startswith(f"line {error.line}, {error.column}: ")
        assert error.reason
    if expected.exactly is not None:
        assert named == expected.exactly
    assert expected.errors <= named, f"not named: {sorted(expected.errors - named)}"


def read_back(data: bytes) -> list[dict[str, str]]:
    """The file's rows as the format defines them: UTF-8, values stripped, a spreadsheet's quote undone."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = [name.strip().lower() for name in next(reader)]
    return [
        {name: spreadsheet_unescape(value.strip()) for name, value in zip(header, row, strict=True)}
        for row in reader
        if any(value.strip() for value in row)
    ]


def collapse(text: str) -> str:
    return " ".join(text.split())


# Shipments ---------------------------------------------------------------------------------------------------

MODELS = {"Antminer S21": "Bitmain", "Antminer T21": "Bitmain", "Whatsminer M60S": "MicroBT", "Avalon A1466": "Canaan"}
LEDGER_ENTRY = "LED-0000001-1"
LEDGER_ROWS = [
    [LEDGER_ENTRY, "Ledger Importer LLC", "2809", "2024-11-20", "Bitmain", "Antminer S21", "100", "3000.00", ""],
    [LEDGER_ENTRY, "Ledger Importer LLC", "2809", "2024-11-20", "MicroBT", "Whatsminer M60S", "50", "2500.00", ""],
]
SHIPMENT_BAD_VALUES = {
    "entry_number": ["", "ABC-123", "not an entry", "ABCD-1234567-8", "ABC-1234567-89", "ABC-1234567-8-9"],
    "importer": ["", "   ", "x" * 201],
    "port_code": ["", "0000", "12345", "abcd", "28O9", "٢٨٠٩"],
    "arrived_on": ["", "2024-02-30", "2024-13-01", "20241120", "2024/11/20", "Nov 20 2024", "2999-01-01", "NaN"],
    "manufacturer": ["Nobody Inc"],
    "model": ["", "Antminer S99", "Nothing 3000"],
    "units": ["", "0", "-5", "+0", "1.5", "1e3", "ten", "NaN", "0x10", "2147483648", "9" * 30, "9" * 5000],
    "unit_value_usd": [
        "",
        "-1",
        "-0.5",
        "1,000",
        "$5",
        "1.234",
        "12345678901.00",
        "NaN",
        "Infinity",
        "1e3",
        "9" * 5000,
    ],
}


@st.composite
def shipment_rows(draw) -> list[list[str]]:
    """One to three new shipments of one or two lines each, sometimes the ledger's own shipment again."""
    rows = []
    for index in range(draw(st.integers(1, 3))):
        entry = draw(
            st.sampled_from([f"NEW-000000{index}-{index}", f"new000000{index}{index}", f"NEW 000000{index} {index}"])
        )
        importer = draw(
            st.sampled_from(["Acme Mining LLC", "  Beta   Hash Inc ", "Ledger Importer LLC", "Új Bányász Kft."])
        )
        port = draw(st.sampled_from(["2809", "3801", "2704"]))
        arrived = draw(st.dates(D(2024, 1, 1), D(2025, 6, 30))).isoformat()
        notes = draw(texts(40, one_line=False))
        for number, model in enumerate(
            draw(st.lists(st.sampled_from(list(MODELS)), min_size=1, max_size=2, unique=True))
        ):
            maker = draw(st.sampled_from([MODELS[model], MODELS[model].upper(), ""]))
            units = draw(st.integers(1, 5_000))
            value = draw(st.decimals(min_value=0, max_value=99_999, places=2))
            rows.append(
                [
                    entry,
                    importer,
                    port,
                    arrived,
                    maker,
                    draw(st.sampled_from([model, model.lower()])),
                    str(units),
                    f"{value:.2f}",
                    notes if number == 0 else "",
                ]
            )
    if draw(st.booleans()):
        rows += [list(row) for row in LEDGER_ROWS]
    return rows


def shipment_extra_rows(draw) -> list[tuple[list[str], str | None]]:
    """Rows that must be refused whatever else the file holds: (row, the column named) or (row, None)."""
    extras = []
    kinds = st.sampled_from(["conflict", "ledger", "too_large", "repeat"])
    for kind in draw(st.lists(kinds, max_size=draw(st.sampled_from([0, 0, 1, 2])), unique=True)):
        if kind == "conflict":  # the entry number of a good shipment with another importer
            extras.append(
                (["NEW-0000000-0", "Someone Else LLC", "2809", "2024-11-20", "", "Avalon A1566", "1", "1.00", ""], None)
            )
        elif kind == "ledger":  # the ledger's shipment with other figures
            extras.append(
                (
                    [
                        LEDGER_ENTRY,
                        "Ledger Importer LLC",
                        "2809",
                        "2024-11-20",
                        "",
                        "Antminer S21",
                        "999",
                        "3000.00",
                        "",
                    ],
                    None,
                )
            )
        elif kind == "too_large":  # each value fits its column, the shipment's total value does not
            extras.append(
                (
                    [
                        "BIG-0000009-9",
                        "Acme Mining LLC",
                        "2809",
                        "2024-11-20",
                        "",
                        "Avalon A1466",
                        "2000000000",
                        "9999.99",
                        "",
                    ],
                    "unit_value_usd",
                )
            )
        else:  # a model twice on one entry number
            extras.append(
                (["REP-0000008-8", "Acme Mining LLC", "2809", "2024-11-20", "", "Antminer S21", "1", "1.00", ""], None)
            )
            extras.append(
                (
                    ["REP-0000008-8", "Acme Mining LLC", "2809", "2024-11-20", "", "Antminer S21", "2", "1.00", ""],
                    "model",
                )
            )
    return extras


@pytest.fixture
def ledger():
    """The ledger a file meets: a shipment some files repeat, and two with events for the events import."""
    sf = Port.objects.get(code="2809")
    make_shipment(
        entry_number=LEDGER_ENTRY,
        importer=ImporterFactory(name="Ledger Importer LLC"),
        port=sf,
        lines=[("Antminer S21", 100, "3000.00"), ("Whatsminer M60S", 50, "2500.00")],
    )
    make_shipment(entry_number="EVT-0000001-1", port=sf, lines=[("Antminer S21", 100, "3000.00")])
    held = make_shipment(
        entry_number="EVT-0000002-2",
        port=sf,
        arrived_on=D(2024, 12, 1),
        lines=[("Antminer S21", 100, "3000.00"), ("Whatsminer M60S", 50, "2500.00")],
    )
    services.shipment_record_event(shipment=held, kind=EventKind.DETAINED, occurred_on=D(2024, 12, 5), reference="R-2")


def check_shipments_written(result, data: bytes, before, after) -> None:
    """Every entry number of the file is a shipment with the file's importer, port, arrival, notes and lines."""
    created = result.counts
    assert after["Shipment"] - before["Shipment"] == created["shipments_created"]
    assert after["ShipmentLine"] - before["ShipmentLine"] == created["lines_created"]
    assert after["Importer"] - before["Importer"] == created["importers_created"]
    assert after["history of Shipment"] - before["history of Shipment"] == created["shipments_created"]
    assert after["history of ShipmentLine"] - before["history of ShipmentLine"] == created["lines_created"]
    assert after["history of Importer"] - before["history of Importer"] == created["importers_created"]
    assert (after["ShipmentEvent"], after["CustodyChange"]) == (before["ShipmentEvent"], before["CustodyChange"])
    by_entry: dict[str, list[dict]] = {}
    for row in read_back(data):
        by_entry.setdefault(normalise_entry_number(row["entry_number"]), []).append(row)
    assert created["shipments_created"] + created["shipments_unchanged"] == len(by_entry)
    for entry, rows in by_entry.items():
        shipment = Shipment.objects.select_related("importer", "port").get(entry_number=entry)
        first = rows[0]
        assert shipment.importer.name == collapse(first["importer"])
        assert shipment.port.code == first["port_code"]
        assert shipment.arrived_on == D.fromisoformat(first["arrived_on"])
        assert shipment.notes == next((row["notes"] for row in rows if row["notes"]), "")
        lines = {
            line.miner_model.name.casefold(): (line.units, line.unit_value_usd)
            for line in shipment.lines.select_related("miner_model")
        }
        assert lines == {
            collapse(row["model"]).casefold(): (
                int(row["units"]),
                Decimal(row["unit_value_usd"]).quantize(Decimal("0.01")),
            )
            for row in rows
        }


GOOD_SHIPMENT = [
    "NEW-0000000-0",
    "Acme Mining LLC",
    "2809",
    "2024-11-20",
    "Bitmain",
    "Antminer S21",
    "10",
    "3000.00",
    "",
]


def test_shipments_import_writes_the_file_or_refuses_it_naming_line_and_column(ledger, customs_admin):
    too_large = CsvFile(header=list(SHIPMENT_COLUMNS), rows=[[*GOOD_SHIPMENT[:6], "2000000000", "9999.99", ""]])
    long_header = CsvFile(header=[*SHIPMENT_COLUMNS[:-1], "n" * 140_000], rows=[GOOD_SHIPMENT])

    @FUZZ
    @known_cases(
        # PostgreSQL refuses NUL in text, and integers past 2**31 - 1: the import crashed while writing.
        one_bad_cell(SHIPMENT_COLUMNS, GOOD_SHIPMENT, "notes", "first\x00hold"),
        one_bad_cell(SHIPMENT_COLUMNS, GOOD_SHIPMENT, "importer", "Acme\x00"),
        one_bad_cell(SHIPMENT_COLUMNS, GOOD_SHIPMENT, "units", "2147483648"),
        one_bad_cell(SHIPMENT_COLUMNS, GOOD_SHIPMENT, "units", "9" * 5000),  # int() refuses so many digits
        Mutated(file=too_large, base_rows=1, row_errors=[(0, "unit_value_usd")]),  # overflowed value in custody
        Mutated(file=long_header, base_rows=1, header_broken=True),  # past the csv module's field limit
    )
    @given(
        case=shipment_rows().flatmap(
            lambda rows: mutated(
                rows, SHIPMENT_COLUMNS, SHIPMENT_BAD_VALUES, shipment_extra_rows, trailing=EXPORT_ONLY_COLUMNS
            )
        ),
        dry_run=st.sampled_from([False, False, True]),
    )
    def check(case, dry_run):
        for (row, column), certain in list(case.bad_cells.items()):
            # A wrong maker is only reported once the model is known: the row's model must be the one it was.
            if SHIPMENT_COLUMNS[column] == "manufacturer" and (row, SHIPMENT_COLUMNS.index("model")) in case.bad_cells:
                case.bad_cells[(row, column)] = certain and "\x00" in case.file.rows[row][column]
        data, starts, lines = case.file.encode()
        expected = case.expected(starts)

        def outcome(result, before, after):
            event("refused" if not result.ok else "dry run" if dry_run else "written")
            if not result.ok:
                columns = [*SHIPMENT_COLUMNS, *EXPORT_ONLY_COLUMNS]
                check_refusal(result, expected, before, after, columns=columns, lines=lines)
            elif dry_run:
                assert not expected.must_refuse, f"accepted, but expected {expected}"
                assert after == before
            else:
                assert not expected.must_refuse, f"accepted, but expected {expected}"
                check_shipments_written(result, data, before, after)

        run_import(shipments_import, data, dry_run=dry_run, user=customs_admin, check=outcome)

    check()


# Events ------------------------------------------------------------------------------------------------------

NO_UNIT_KINDS = [kind for kind in EventKind.values if kind not in UNIT_MOVING_KINDS and kind != EventKind.VOID]
EVENT_BAD_VALUES = {
    "entry_number": ["", "ABC-123", "entry"],
    "event": ["", "exploded", "void", "detain", "releasd", "VOID"],
    "date": ["", "2024-02-30", "2024/12/01", "yesterday", "٢٠٢٤-١٢-٠٥", "NaN"],
    "model": ["Antminer S99", "Nothing 3000"],
    "units": ["0", "-5", "+0", "1.5", "ten", "NaN", "2147483648", "9" * 30, "9" * 5000],
    "reference": ["x" * 101],
    "legal_basis": ["x" * 201],
}


def spelled(kind: str) -> st.SearchStrategy[str]:
    return st.sampled_from([kind, kind.upper(), kind.replace("_", " ").title(), kind.replace("_", "-")])


@st.composite
def event_rows(draw) -> list[list[str]]:
    """A detention of the one-line shipment, maybe an event that moves nothing and a release; maybe a release on
    the shipment already held, and maybe its recorded detention again."""

    def tail() -> list[str]:
        return [draw(texts(100)), draw(texts(200)), draw(texts(60, one_line=False))]

    detained_on = draw(st.dates(D(2024, 11, 20), D(2025, 3, 31)))
    units = draw(st.one_of(st.none(), st.integers(1, 100)))
    model = draw(st.sampled_from(["", "Antminer S21", "antminer  S21"]))
    rows = [
        [
            "EVT-0000001-1",
            draw(spelled("detained")),
            f"{detained_on}",
            model,
            "" if units is None else str(units),
            *tail(),
        ]
    ]
    if draw(st.booleans()):
        rows.append(
            ["EVT-0000001-1", draw(spelled(draw(st.sampled_from(NO_UNIT_KINDS)))), f"{detained_on}", "", "", *tail()]
        )
    if draw(st.booleans()):
        released_on = draw(st.dates(detained_on, D(2025, 6, 30)))
        released = draw(st.integers(1, units or 100))
        rows.append(["EVT-0000001-1", draw(spelled("released")), f"{released_on}", "", str(released), *tail()])
    if draw(st.booleans()):
        released_on = draw(st.dates(D(2024, 12, 5), D(2025, 6, 30)))
        released = draw(st.integers(1, 50))
        rows.append(["evt0000002 2", "released", f"{released_on}", "Whatsminer M60S", str(released), *tail()])
    if draw(st.booleans()):
        rows.append(["EVT-0000002-2", "detained", "2024-12-05", "", "", "R-2", "", ""])  # recorded already
    return rows


def event_extra_rows(draw) -> list[tuple[list[str], str | None]]:
    extras = []
    kinds = st.sampled_from(["unknown_entry", "model_elsewhere", "future", "too_many", "units_on_notice"])
    for kind in draw(st.lists(kinds, max_size=draw(st.sampled_from([0, 0, 1, 2])), unique=True)):
        if kind == "unknown_entry":
            extras.append((["ZZZ-9999999-9", "detained", "2025-01-02", "", "", "", "", ""], "entry_number"))
        elif kind == "model_elsewhere":
            extras.append((["EVT-0000002-2", "released", "2025-01-02", "Avalon A1466", "1", "", "", ""], "model"))
        elif kind == "future":
            extras.append((["EVT-0000002-2", "seizure_notice", "2999-01-01", "", "", "", "", ""], None))
        elif kind == "too_many":
            extras.append((["EVT-0000002-2", "released", "2025-01-02", "Whatsminer M60S", "51", "", "", ""], None))
        else:
            extras.append((["EVT-0000002-2", "petition_filed", "2025-01-02", "", "3", "", "", ""], None))
    return extras


def check_events_written(result, data: bytes, before, after) -> None:
    """Each row of the file is an active event of its shipment, as written; the counts add up."""
    created = result.counts
    rows = read_back(data)
    assert after["ShipmentEvent"] - before["ShipmentEvent"] == created["events_created"]
    assert created["events_created"] + created["events_already_recorded"] == len(rows)
    assert (after["Shipment"], after["ShipmentLine"], after["Importer"]) == (
        before["Shipment"],
        before["ShipmentLine"],
        before["Importer"],
    )
    for row in rows:
        events = ShipmentEvent.objects.active().filter(
            shipment__entry_number=normalise_entry_number(row["entry_number"]),
            kind=row["event"].lower().replace(" ", "_").replace("-", "_"),
            occurred_on=D.fromisoformat(row["date"]),
            units=int(row["units"]) if row["units"] else None,
            reference=row["reference"],
            legal_basis=row["legal_basis"],
            note=row["note"],
        )
        if row["model"]:
            events = events.filter(line__miner_model__name__iexact=collapse(row["model"]))
        assert events.exists(), f"no event for {row}"


GOOD_EVENT = ["EVT-0000001-1", "detained", "2024-11-25", "", "", "R-1", "19 USC 1595a(c)(2)(A)", "held"]


def test_events_import_records_the_file_or_refuses_it_naming_line_and_column(ledger, customs_admin):
    @FUZZ
    @known_cases(
        one_bad_cell(EVENT_COLUMNS, GOOD_EVENT, "reference", "R\x00-1"),
        one_bad_cell(EVENT_COLUMNS, GOOD_EVENT, "legal_basis", "\x00"),
        one_bad_cell(EVENT_COLUMNS, GOOD_EVENT, "note", "he\x00ld"),
        one_bad_cell(EVENT_COLUMNS, GOOD_EVENT, "units", "9" * 5000),
    )
    @given(
        case=event_rows().flatmap(lambda rows: mutated(rows, EVENT_COLUMNS, EVENT_BAD_VALUES, event_extra_rows)),
        dry_run=st.sampled_from([False, False, True]),
    )
    def check(case, dry_run):
        data, starts, lines = case.file.encode()
        expected = case.expected(starts)

        def outcome(result, before, after):
            event("refused" if not result.ok else "dry run" if dry_run else "written")
            if not result.ok:
                check_refusal(result, expected, before, after, columns=EVENT_COLUMNS, lines=lines)
            elif dry_run:
                assert not expected.must_refuse, f"accepted, but expected {expected}"
                assert after == before
            else:
                assert not expected.must_refuse, f"accepted, but expected {expected}"
                check_events_written(result, data, before, after)

        run_import(events_import, data, dry_run=dry_run, user=customs_admin, check=outcome)

    check()
