"""Data files checked against ``comp_sim.limits`` before a table is built from them.

A small file can claim a huge table: an 8 KB workbook whose one cell sits at XFD1048576 (a
reader pads every row to 16,384 columns), a 400 KB one whose single cell expands to 400 MB, a
Parquet column whose one dictionary entry of a megabyte is repeated on millions of rows. So each
file is read only if it is a regular file within ``MAX_DATA_FILE_BYTES``, and only after what it
claims and holds is within bounds:

- CSV: lines and header columns are counted on the raw bytes (rows x columns <= ``MAX_CELLS``);
- Parquet: rows, columns and uncompressed size from the footer, and the text columns' size once
  decoded, computed from their dictionaries before they are decoded;
- XLSX: the zip's directory (members, uncompressed sizes), then every XML part streamed through
  expat without building it: no DTD, no text longer than a cell may hold, no row or shared string
  of more elements than a table row needs, and each sheet's claimed and actual extent.

Each refusal is an ``Unreadable`` whose message the loader reports at the file.
"""

from __future__ import annotations

import csv
import functools
import os
import struct
import zipfile
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from comp_sim.limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_DATA_FILE_BYTES,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_PART_BYTES,
    MAX_XML_RECORD_ELEMENTS,
)
from comp_sim.output import file_problem

CHUNK = 1 << 20
MAX_TAG_BYTES = MAX_CELL_CHARS * 10  # a cell's text as XML: up to 10 bytes a character (&#x10FFFF;)


class Unreadable(Exception):
    """A data file that is not read, and why (reported at the file)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_file(path: Path) -> None:
    """Only a regular file within ``MAX_DATA_FILE_BYTES`` is read."""
    problem = file_problem(path, "data file", MAX_DATA_FILE_BYTES)
    if problem:
        raise Unreadable(problem)


def _too_big(rows: int, columns: int, what: str) -> str | None:
    """``what`` and the bound it breaks, or None: rows, columns, and rows x columns (cells).

    >>> _too_big(1_048_576, 16_384, "the sheet reaches XFD1048576: ")
    'the sheet reaches XFD1048576: 16,384 columns (a table has at most 1,000)'
    """
    if rows > MAX_ROWS:
        return f"{what}{rows:,} rows (a table has at most {MAX_ROWS:,})"
    if columns > MAX_COLUMNS:
        return f"{what}{columns:,} columns (a table has at most {MAX_COLUMNS:,})"
    if rows * columns > MAX_CELLS:
        return f"{what}{rows:,} rows x {columns:,} columns (a table has at most {MAX_CELLS:,} cells)"
    return None


# --------------------------------------------------------------------------- CSV


def csv_line_breaks(path: Path) -> int:
    """The file's line breaks, counted before it is parsed; refused when its lines times its
    header's columns are more than a table may hold (``path`` passed ``check_file``)."""
    with path.open("rb") as file:
        head = file.read(CHUNK)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise Unreadable("the file is UTF-16 text, not UTF-8 (save it as \"CSV UTF-8\")")
        breaks = head.count(b"\n") + sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(CHUNK), b""))
    header = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    try:
        columns = len(next(csv.reader([header])))
    except (csv.Error, StopIteration):
        columns = header.count(",") + 1
    separator = next((sep for sep in (";", "\t", "|") if columns == 1 and sep in header), None)
    if separator:
        shown = "a tab" if separator == "\t" else f"'{separator}'"
        raise Unreadable(f"the header is separated by {shown}, not by commas (as Excel saves CSV in many European "
                         "locales, where 1.234,50 is a number): save it as \"CSV UTF-8 (Comma delimited)\" with "
                         "numbers written 1234.50")
    problem = _too_big(max(breaks - 1, 0), columns, "the file has up to ")
    if problem:
        raise Unreadable(problem)
    return breaks


# --------------------------------------------------------------------------- Parquet


def read_parquet(path: Path) -> pa.Table:
    """The file's table, read only when its footer's rows, columns and uncompressed size are
    within bounds; text columns are read as dictionaries and decoded only when what they decode
    to is within ``MAX_UNCOMPRESSED_BYTES`` too (``path`` passed ``check_file``)."""
    meta = pq.read_metadata(path)
    problem = _too_big(meta.num_rows, meta.num_columns, "the file has ")
    if problem:
        raise Unreadable(problem)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > MAX_UNCOMPRESSED_BYTES:
        raise Unreadable(f"the file expands to {size:,} bytes; a data file expands to at most "
                         f"{MAX_UNCOMPRESSED_BYTES:,}")
    schema = pq.read_schema(path)
    nested = [f.name for f in schema if pa.types.is_nested(_values(f.type))]
    if nested:
        raise Unreadable(f"column(s) {', '.join(nested)} hold lists or records; a table's cells hold one value each")
    text = [f.name for f in schema if _is_text(f.type)]
    table = pq.read_table(path, read_dictionary=text)
    decoded = 0
    for column in table.columns:
        for chunk in column.chunks:
            if pa.types.is_dictionary(chunk.type) and _is_text(chunk.type.value_type):
                decoded += pc.sum(pc.binary_length(chunk.dictionary).take(chunk.indices)).as_py() or 0
    if decoded > MAX_UNCOMPRESSED_BYTES:
        raise Unreadable(f"the file's text expands to {decoded:,} bytes; a data file expands to at most "
                         f"{MAX_UNCOMPRESSED_BYTES:,}")
    plain = pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
                       for f in table.schema], metadata=table.schema.metadata)
    table = table.cast(plain)
    try:
        table.validate(full=True)  # text is decoded lazily later: check its UTF-8 now
    except pa.ArrowInvalid as exc:
        raise Unreadable(f"the file's content is broken: {exc}") from None
    return table


def _values(kind: pa.DataType) -> pa.DataType:
    return kind.value_type if pa.types.is_dictionary(kind) else kind


def _is_text(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind))


# --------------------------------------------------------------------------- XLSX


def check_workbook(path: Path) -> None:
    """Refuse a workbook that claims or holds more than a table may (see the module's doc)."""
    check_file(path)
    status = os.stat(path)
    problem = _workbook_problem(str(path), status.st_size, status.st_mtime_ns, status.st_ino)
    if problem:
        raise Unreadable(problem)


@functools.lru_cache(maxsize=8)  # a workbook of five tables is opened once per sheet
def _workbook_problem(path: str, size: int, mtime_ns: int, inode: int) -> str | None:
    try:
        _check_zip_directory(Path(path), size)
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            expanded = sum(m.file_size for m in members)
            if expanded > MAX_UNCOMPRESSED_BYTES:
                raise Unreadable(f"the workbook expands to {expanded:,} bytes; a data file expands to at most "
                                 f"{MAX_UNCOMPRESSED_BYTES:,}")
            for member in members:
                with archive.open(member) as stream:
                    _check_xml_part(stream, member)
    except Unreadable as exc:
        return f"cannot read as an .xlsx workbook: {exc.message}"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError, EOFError, ValueError) as exc:
        return f"cannot read as an .xlsx workbook: {exc}"
    return None


def _check_zip_directory(path: Path, size: int) -> None:
    """The zip's own directory, read from its end record before ``zipfile`` loads all of it."""
    with path.open("rb") as file:
        file.seek(max(0, size - 65_557))  # the end record and the longest comment it may carry
        tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise Unreadable("it is not a zip archive (an .xlsx workbook is one)")
    members, directory = struct.unpack("<H", tail[at + 10:at + 12])[0], struct.unpack("<I", tail[at + 12:at + 16])[0]
    if members > MAX_XLSX_MEMBERS or directory > MAX_XLSX_MEMBERS * 1024:
        raise Unreadable(f"the workbook holds {members:,} files in a directory of {directory:,} bytes; "
                         f"a workbook holds at most {MAX_XLSX_MEMBERS:,}")


class _XmlPart:
    """Counts, as expat streams one XML part, what openpyxl would build from it."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size
        self.depth = self.elements = 0
        self.root = ""
        self.rows = self.row = self.column = self.max_row = self.max_column = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        self.depth += 1
        if self.depth == 1:
            self.root = local
            if local not in ("worksheet", "sst") and self.size > MAX_XLSX_PART_BYTES:
                raise Unreadable(f"its part {self.name} is {self.size:,} bytes; a part other than a sheet "
                                 f"or the shared strings is at most {MAX_XLSX_PART_BYTES:,}")
        record = 2 if self.root == "sst" else 3  # a shared string; a sheet's row (or a style)
        if self.depth == record:
            self.elements = 0
            if self.root == "sst" and local == "si":
                self.rows += 1
                if self.rows > MAX_CELLS:
                    raise Unreadable(f"its shared strings hold more than {MAX_CELLS:,} texts")
        elif self.depth > record:
            self.elements += 1
            if self.elements > MAX_XML_RECORD_ELEMENTS:
                raise Unreadable(f"a row or text of {self.name} holds more than {MAX_XML_RECORD_ELEMENTS:,} "
                                 "XML elements")
        if self.root != "worksheet":
            return
        if local == "dimension" and self.depth == 2:
            self._claimed(attrs.get("ref", ""))
        elif local == "row" and self.depth == 3:
            self.row = _number(attrs.get("r")) or self.row + 1
            self.column = 0
        elif local == "c" and self.depth == 4:
            row, column = _cell(attrs.get("r", ""))
            self.column = column or self.column + 1
            self._extent(row or self.row, self.column)

    def end(self, tag: str) -> None:
        self.depth -= 1

    def _claimed(self, ref: str) -> None:
        """A reader pads every row from column A to the claimed last column, and reads every
        row from 1 to the claimed last row."""
        row, column = _cell(ref.rpartition(":")[2])
        problem = _too_big(row, column, f"sheet {self.name} claims to span {ref}: ")
        if problem:
            raise Unreadable(problem)

    def _extent(self, row: int, column: int) -> None:
        self.max_row, self.max_column = max(self.max_row, row), max(self.max_column, column)
        problem = _too_big(self.max_row, self.max_column, f"sheet {self.name} has a cell at {_ref(row, column)}: ")
        if problem:
            raise Unreadable(problem)


def _check_xml_part(stream, member: zipfile.ZipInfo) -> None:
    """Stream one part: refuse a DTD, text or a tag longer than a cell may hold, and what
    ``_XmlPart`` counts; a part that is not XML (an image) is left alone."""
    first = stream.read(CHUNK)
    if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return
    part = _XmlPart(member.filename, member.file_size)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = part.start
    parser.EndElementHandler = part.end

    def no_dtd(*_: object) -> None:
        raise Unreadable(f"its part {member.filename} declares a DTD (<!DOCTYPE>), which a workbook never has")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    since_tag = 0  # bytes since the last '<'
    chunk = first
    while chunk:
        marks = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("<"))
        if len(marks):
            longest = max(since_tag + int(marks[0]), int(np.diff(marks).max(initial=0)))
            since_tag = len(chunk) - int(marks[-1])
        else:
            since_tag += len(chunk)
            longest = since_tag
        if longest > MAX_TAG_BYTES:
            raise Unreadable(f"its part {member.filename} holds a text or tag of more than {MAX_TAG_BYTES:,} bytes; "
                             f"a cell holds at most {MAX_CELL_CHARS:,} characters")
        try:
            parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise Unreadable(f"its part {member.filename} is not valid XML: {exc}") from None
        chunk = stream.read(CHUNK)


def _number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) <= 9 else 0


def _cell(ref: str) -> tuple[int, int]:
    """``"XFD1048576"`` -> (1048576, 16384); (0, 0) for what is not a cell reference.

    >>> _cell("XFD1048576"), _cell("$B$2"), _cell("7"), _cell("bad!")
    ((1048576, 16384), (2, 2), (7, 0), (0, 0))
    """
    ref = ref.replace("$", "")
    letters = ref.rstrip("0123456789").upper()
    digits = ref[len(ref.rstrip("0123456789")):]
    if not letters.isalpha() or not letters.isascii() or len(letters) > 3:
        return (_number(digits), 0) if not letters else (0, 0)
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return _number(digits), column


def _ref(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"
