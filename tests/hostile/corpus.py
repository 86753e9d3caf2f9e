"""The hostile corpus: files that attack comp_sim's readers and writers (README.md in this folder
says what each one attacks and what comp_sim answers).

Text files are committed under ``files/``. What cannot be committed (a FIFO, links to nothing or
to ``/dev/zero``) or is big when expanded (workbooks, Parquet files, long CSVs) is made here by
``make(case, path)``, small on disk: an XLSX of one 400 MB cell is 400 KB, a sparse 300 MB file
takes no space.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
ROOT = HERE.parents[1]
SAMPLE = ROOT / "data" / "sample"
MiB = 2**20


@dataclass(frozen=True)
class Case:
    """One hostile input. ``kind``: ``plan`` (validated and run), ``data`` (a table file put in a
    copy of the bundled sample, replacing that table: ``table`` is its name there), ``workbook``
    (given to --data itself) or ``mapping`` (a --mapping over the sample).
    ``message``: what stderr must hold; ``ok``: the run succeeds (exit 0) instead; ``valid``: a
    plan that validates but cannot run."""

    name: str
    kind: str
    attack: str
    message: str = ""
    table: str = ""
    ok: bool = False
    valid: bool = False
    make: Callable[[Path], None] | None = None

    def source(self) -> Path | None:
        """The committed file, or None when ``make`` writes it."""
        return None if self.make else FILES / self.kind.replace("workbook", "data") / self.name


# --------------------------------------------------------------------------- workbooks


def _workbook(path: Path, sheet: str = "deals", cells: dict[str, object] | None = None) -> None:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for ref, value in (cells or {"A1": "deal_id"}).items():
        book.active[ref] = value
    book.save(path)


def _replace_parts(path: Path, parts: dict[str, Callable[[io.BufferedWriter], None] | bytes]) -> None:
    """Rewrite a workbook with some parts replaced (or added), each written as a stream."""
    with zipfile.ZipFile(path) as source:
        kept = [(info.filename, source.read(info)) for info in source.infolist() if info.filename not in parts]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in kept:
            target.writestr(name, data)
        for name, content in parts.items():
            with target.open(name, "w") as stream:
                if isinstance(content, bytes):
                    stream.write(content)
                else:
                    content(stream)


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
STRINGS_TYPE = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def far_cell(path: Path) -> None:
    """The issue's 8 KB workbook: one cell, at XFD1048576 (the last of Excel's grid)."""
    _workbook(path, cells={"XFD1048576": "x"})


def far_cell_hidden(path: Path) -> None:
    """The same cell, with the sheet's dimension claiming A1 only."""
    far_cell(path)
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    _replace_parts(path, {"xl/worksheets/sheet1.xml": sheet.replace(b"XFD1048576:XFD1048576", b"A1")})


def huge_shared_string(path: Path) -> None:
    """400 KB on disk, one 400 MB text in the shared strings that a cell points at."""
    _workbook(path)
    with zipfile.ZipFile(path) as book:
        types = book.read("[Content_Types].xml")
        rels = book.read("xl/_rels/workbook.xml.rels")

    def strings(stream: io.BufferedWriter) -> None:
        stream.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
        for _ in range(400):
            stream.write(b"A" * MiB)
        stream.write(b"</t></si></sst>")

    _replace_parts(path, {
        "[Content_Types].xml": types.replace(b"</Types>", STRINGS_TYPE + b"</Types>"),
        "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://'
                                                   b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                                   b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/sharedStrings.xml": strings,
        "xl/worksheets/sheet1.xml": SHEET + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                                    b'</sheetData></worksheet>',
    })


def huge_inline_cell(path: Path) -> None:
    """A cell holding 50 MB of text in the sheet itself."""
    _workbook(path)

    def sheet(stream: io.BufferedWriter) -> None:
        stream.write(SHEET + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
        for _ in range(50):
            stream.write(b"B" * MiB)
        stream.write(b"</t></is></c></row></sheetData></worksheet>")

    _replace_parts(path, {"xl/worksheets/sheet1.xml": sheet})


def wide_row(path: Path) -> None:
    """One row of 200,000 empty cells (no cell references): a reader builds them all at once."""
    _workbook(path)
    _replace_parts(path, {"xl/worksheets/sheet1.xml": SHEET + b'<sheetData><row r="1">' + b"<c/>" * 200_000
                          + b"</row></sheetData></worksheet>"})


def far_row(path: Path) -> None:
    """A header, then a row numbered 3,000,000."""
    _workbook(path)
    _replace_parts(path, {"xl/worksheets/sheet1.xml": SHEET + b'<sheetData><row r="1"><c r="A1" t="inlineStr">'
                          b'<is><t>deal_id</t></is></c></row><row r="3000000"><c r="A3000000"><v>1</v></c></row>'
                          b"</sheetData></worksheet>"})


def entity_bomb(path: Path) -> None:
    """"Billion laughs": a DTD whose entities expand to gigabytes."""
    _workbook(path)
    entities = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "' % i + b"&a%d;" % (i - 1) * 10 + b'">' for i in range(1, 10))
    _replace_parts(path, {"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><!DOCTYPE worksheet [' + entities
                          + b"]>" + SHEET + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is>'
                          b"</c></row></sheetData></worksheet>"})


def styles_bomb(path: Path) -> None:
    """A styles part of 20 MB, which a reader parses whole into objects."""
    _workbook(path)
    _replace_parts(path, {"xl/styles.xml": b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                          b'2006/main"><numFmts>' + b'<numFmt numFmtId="200" formatCode="0"/>' * 500_000
                          + b"</numFmts></styleSheet>"})


def claims_3_gib(path: Path) -> None:
    """A workbook whose zip directory says its sheet expands to 3 GiB."""
    _workbook(path)
    data = bytearray(path.read_bytes())
    directory = data.rfind(b"PK\x05\x06")
    start = struct.unpack("<I", data[directory + 16:directory + 20])[0]
    at = start
    while data[at:at + 4] == b"PK\x01\x02":
        name_length, extra, comment = struct.unpack("<HHH", data[at + 28:at + 34])
        if data[at + 46:at + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            data[at + 24:at + 28] = struct.pack("<I", 3 * 2**30)
        at += 46 + name_length + extra + comment
    path.write_bytes(bytes(data))


def many_members(path: Path) -> None:
    """A workbook zip of 5,000 files."""
    _workbook(path)
    with zipfile.ZipFile(path, "a") as book:
        for i in range(5_000):
            book.writestr(f"xl/media/x{i}.bin", b"")


def not_a_zip(path: Path) -> None:
    path.write_text("deal_id,rep_id\nD1,R001\n")


# --------------------------------------------------------------------------- Parquet


def parquet_rows(path: Path) -> None:
    """Three million rows that compress to a few kilobytes."""
    pq.write_table(pa.table({"deal_id": pa.nulls(3_000_000, pa.string())}), path)


def parquet_dictionary(path: Path) -> None:
    """One text of a megabyte, repeated on 100,000 rows through a dictionary: 100 GB decoded."""
    text = pa.array(["x" * MiB]).dictionary_encode()
    indices = pa.array([0] * 100_000, pa.int32())
    column = pa.DictionaryArray.from_arrays(indices, text.dictionary)
    pq.write_table(pa.table({"deal_id": column}), path)


def parquet_nested(path: Path) -> None:
    """Deals whose columns are lists and structs, not values."""
    pq.write_table(pa.table({
        "deal_id": pa.array([["D1"], ["D2"]]), "rep_id": pa.array([{"id": "R001"}, {"id": "R002"}]),
        "close_date": ["2026-01-05", "2026-02-05"], "amount": pa.array([[1.0], [2.0]]),
    }), path)


def parquet_not_utf8(path: Path) -> None:
    """Reps whose text column holds a byte that is not UTF-8 (found by fuzzing)."""
    rep_ids = pa.array([b"R\xb6", b"R002"], pa.binary()).cast(pa.string(), safe=False)
    pq.write_table(pa.table({"rep_id": rep_ids, "role": ["AE", "AE"]}), path)


def not_parquet(path: Path) -> None:
    path.write_bytes(b"PAR1" + bytes(range(256)) * 4 + b"PAR1")


# --------------------------------------------------------------------------- CSV and odd files


def wide_csv(path: Path) -> None:
    """A reps file whose header names 5,000 columns."""
    path.write_text("rep_id,role," + ",".join(f"c{i}" for i in range(5_000)) + "\nR001,AE\n")


def long_csv(path: Path) -> None:
    """A deals file of 2,100,000 (blank) lines: 2 MB."""
    path.write_bytes(b"deal_id,rep_id,close_date,amount\n" + b"\n" * 2_100_000)


def sparse_csv(path: Path) -> None:
    """A 300 MB file of nothing (sparse: no space on disk)."""
    with path.open("wb") as file:
        file.truncate(300 * MiB)


def emoji_lines(path: Path) -> None:
    """Bad amounts on lines 100 and 1234, which rich would print as emoji (:100:, :1234:)."""
    rows = [f"D{i:05d},R001,2026-03-01,{'lots' if i + 1 in (100, 1234) else '1000'}" for i in range(1, 1300)]
    path.write_text("deal_id,rep_id,close_date,amount\n" + "\n".join(rows) + "\n")


def fifo(path: Path) -> None:
    os.mkfifo(path)


def dangling(path: Path) -> None:
    path.symlink_to(path.parent / "gone.csv")


def dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def folder(path: Path) -> None:
    path.mkdir()


def big_plan(path: Path) -> None:
    """A plan file over the 1,000,000-byte bound."""
    path.write_text((FILES / "plan" / "markup.yaml").read_text() + "# " + "x" * 1_000_000 + "\n")


# --------------------------------------------------------------------------- the cases

READ = "cannot read as an .xlsx workbook: "
CASES = [
    # plans
    Case("nested-300.yaml", "plan", "300 levels of nested mappings: RecursionError in any tree builder",
         "nested-300.yaml:23:21: a plan file nests mappings and lists at most 20 deep"),
    Case("nested-flow-10000.yaml", "plan", "10,000 nested flow lists in 20 KB (the YAML scanner is quadratic in depth)",
         "nested-flow-10000.yaml:1:33: a plan file nests mappings and lists at most 20 deep"),
    Case("alias-bomb.yaml", "plan", "billion laughs: aliases of aliases of lists",
         "anchors and aliases (&name / *name) are not allowed in plan files"),
    Case("python-tag.yaml", "plan", "a tag that would construct a Python object and run a command",
         "YAML tags are not allowed in plan files"),
    Case("ratio-chain-40.yaml", "plan", "40 ratio metrics, each of the two before: exponential to walk path by path",
         "metrics.m12.ratio: metrics nest at most 10 deep"),
    Case("metrics-101.yaml", "plan", "more plan metrics than the bound", "at most 100"),
    Case("ti-infinite.yaml", "plan", "target_incentive: .inf",
         "roles.AE.target_incentive: must be a finite number from -1,000,000,000,000 to 1,000,000,000,000"),
    Case("below-nan.yaml", "plan", "a curve's below: .nan", "components[0].curve.below: must be a finite number"),
    Case("rate-1e308.yaml", "plan", "a tier rate of 1e308", "components[0].tiers.bands[1].rate: must be a finite number"),
    Case("gate-min-nan.yaml", "plan", "a gate's min: .nan (silently changed the cost by 20%)",
         "modifiers[0].gate.min: must be a finite number"),
    Case("huge-integer.yaml", "plan", "a 5,000-digit integer (Python refuses to convert it)",
         "must be a finite number from -1,000,000,000,000 to 1,000,000,000,000 (got a number of 5,001 digits)"),
    Case("multipliers-overflow.yaml", "plan", "every number in bounds, but 30 multipliers of 1e12 overflow to inf",
         "payouts are not finite numbers", valid=True),
    Case("control-chars.yaml", "plan", "ESC, BEL, VT and NUL in the plan's name and description", ok=True),
    Case("markup.yaml", "plan", "rich markup and emoji codes in the plan's name", ok=True),
    Case("bad-date.yaml", "plan", "a value YAML reads as a date that is none, 2026-13-45 (found by fuzzing)",
         "bad-date.yaml: not valid YAML: month must be in 1..12 (write a date as YYYY-MM-DD)"),
    Case("not-utf8.yaml", "plan", "Latin-1 bytes", "a plan file is UTF-8 text"),
    Case("utf16.yaml", "plan", "UTF-16 with a byte-order mark", "a plan file is UTF-8 text"),
    Case("two-documents.yaml", "plan", "a second YAML document", "holds one YAML document"),
    Case("big.yaml", "plan", "a plan over the size bound", "a plan file is at most 1,000,000 bytes", make=big_plan),
    Case("fifo.yaml", "plan", "a FIFO: reading it blocks forever", "it is a FIFO (named pipe), not a regular file",
         make=fifo),
    Case("dev-zero.yaml", "plan", "a link to /dev/zero: reading it never ends", "it is a character device", make=dev_zero),
    Case("folder.yaml", "plan", "a folder", "it is a folder, not a regular file", make=folder),
    Case("dangling.yaml", "plan", "a symbolic link to nothing", "which does not exist", make=dangling),
    # mappings
    Case("alias-bomb.yaml", "mapping", "billion laughs (grew to 2.25 GB)",
         "anchors and aliases (&name / *name) are not allowed in mapping files"),
    Case("nested-300.yaml", "mapping", "300 levels of nesting", "a mapping file nests mappings and lists at most 20 deep"),
    Case("python-tag.yaml", "mapping", "a Python object tag", "YAML tags are not allowed in mapping files"),
    Case("dev-zero.yaml", "mapping", "a link to /dev/zero", "it is a character device", make=dev_zero),
    # workbooks and other data files
    Case("far-cell.xlsx", "workbook", "one cell at XFD1048576: 8 KB that grew to 23.8 GB",
         READ + "sheet xl/worksheets/sheet1.xml claims to span XFD1048576:XFD1048576: 16,384 columns", make=far_cell),
    Case("far-cell-hidden.xlsx", "data", "the same cell with a dimension claiming A1", table="deals.xlsx",
         message=READ + "sheet xl/worksheets/sheet1.xml has a cell at XFD1048576", make=far_cell_hidden),
    Case("huge-shared-string.xlsx", "data", "one 400 MB text cell in 400 KB (took 3.3 GB)", table="deals.xlsx",
         message="holds a text or tag of more than 327,670 bytes", make=huge_shared_string),
    Case("huge-inline-cell.xlsx", "data", "a 50 MB cell in the sheet itself", table="deals.xlsx",
         message="holds a text or tag of more than 327,670 bytes", make=huge_inline_cell),
    Case("wide-row.xlsx", "data", "a row of 200,000 cells", table="deals.xlsx",
         message="1,001 columns (a table has at most 1,000)", make=wide_row),
    Case("far-row.xlsx", "data", "a row numbered 3,000,000", table="deals.xlsx",
         message="3,000,000 rows (a table has at most 2,000,000)", make=far_row),
    Case("entity-bomb.xlsx", "data", "billion laughs in a sheet's DTD", table="deals.xlsx",
         message="declares a DTD", make=entity_bomb),
    Case("styles-bomb.xlsx", "data", "a 20 MB styles part, parsed whole", table="deals.xlsx",
         message="its part xl/styles.xml is 19,500,110 bytes", make=styles_bomb),
    Case("claims-3gib.xlsx", "data", "a zip directory claiming a 3 GiB sheet", table="deals.xlsx",
         message="the workbook expands to 3,2", make=claims_3_gib),
    Case("many-members.xlsx", "data", "a zip of 5,000 files", table="deals.xlsx",
         message="a workbook holds at most 1,000", make=many_members),
    Case("not-a-zip.xlsx", "data", "CSV text named .xlsx", table="deals.xlsx", message="it is not a zip archive",
         make=not_a_zip),
    Case("rows-3m.parquet", "data", "3,000,000 rows in a few KB", table="deals.parquet",
         message="3,000,000 rows (a table has at most 2,000,000)", make=parquet_rows),
    Case("dictionary-bomb.parquet", "data", "a 1 MB text on 100,000 rows through a dictionary (100 GB decoded)",
         table="deals.parquet", message="text expands to 104,857,600,000 bytes", make=parquet_dictionary),
    Case("nested.parquet", "data", "list and struct columns where values belong", table="deals.parquet",
         message="column(s) deal_id, rep_id, amount hold lists or records", make=parquet_nested),
    Case("not-utf8.parquet", "data", "text that is not UTF-8, decoded only later", table="reps.parquet",
         message="Invalid UTF8 sequence", make=parquet_not_utf8),
    Case("not-parquet.parquet", "data", "garbage between Parquet's magic bytes", table="deals.parquet",
         message="cannot read as a Parquet file", make=not_parquet),
    Case("wide.csv", "data", "a header of 5,002 columns", table="reps.csv",
         message="5,002 columns (a table has at most 1,000)", make=wide_csv),
    Case("long.csv", "data", "2,100,000 lines", table="deals.csv",
         message="2,100,000 rows (a table has at most 2,000,000)", make=long_csv),
    Case("sparse-300mb.csv", "data", "a 300 MB file", table="deals.csv",
         message="a data file is at most 268,435,456 bytes (got 314,572,800)", make=sparse_csv),
    Case("fifo.csv", "data", "a FIFO as deals: paid 0.00 with exit 0, or hung", table="deals.csv",
         message="it is a FIFO (named pipe), not a regular file", make=fifo),
    Case("dangling.csv", "data", "a link to nothing as deals: paid 0.00 with exit 0", table="deals.csv",
         message="it is a symbolic link to", make=dangling),
    Case("dev-zero.csv", "data", "a link to /dev/zero as deals: filled memory", table="deals.csv",
         message="it is a character device, not a regular file", make=dev_zero),
    Case("folder.csv", "data", "a folder as deals: paid 0.00 with exit 0", table="deals.csv",
         message="it is a folder, not a regular file", make=folder),
    Case("deals-1e308.csv", "data", "two deals of 1e308: a total of inf, summary.json with Infinity",
         table="deals.csv", message="deals.csv:2: amount: must be a finite number from -1,000,000,000,000"),
    Case("deals-infinite.csv", "data", "inf, -inf and 1e999 amounts", table="deals.csv",
         message="deals.csv:2: amount: must be a finite number"),
    Case("deals-emoji-lines.csv", "data", "errors on lines 100 and 1234 (printed as emoji)", table="deals.csv",
         message="deals.csv:100: amount: must be a number (got 'lots')", make=emoji_lines),
    Case("reps-control-chars.csv", "data", "ESC, BEL, VT, NUL and DEL in rep names (the XLSX export failed)",
         table="reps.csv", ok=True),
    Case("reps-markup.csv", "data", "rich markup and emoji codes in rep names", table="reps.csv", ok=True),
    Case("reps-utf16.csv", "data", "UTF-16 text", table="reps.csv", message="the file is UTF-16 text, not UTF-8"),
]
