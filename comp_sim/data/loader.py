"""Load reps, quotas, deals, forecasts and mbo from CSV, Parquet or XLSX, check every rule of
SPEC "Data", and return a Dataset, or raise one DataError naming every problem.

Where tables come from: a folder of ``<table>.csv|.parquet|.xlsx`` files (any mix), a workbook
whose sheets are named like the tables (in the folder, or given itself), or a dict of a file or
DataFrame per table. A mapping (``comp_sim.data.mapping``) may name other files, rename columns,
filter rows and translate values first. Bad data never half-loads: any problem raises.

Each problem names the file, the line (a CSV line or spreadsheet row, the header being 1; for
Parquet files and DataFrames the 1-based row), the column as the file names it, the value and
the rule. Checks are vectorised over rows (a boolean mask per rule); only the first 50 problems
are formatted, the rest are counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from comp_sim.data.dataset import CREDIT_TYPES, COLUMNS, DATES, NUMBERS, REQUIRED, TABLES, TEXT, Dataset, text_values
from comp_sim.data.files import Unreadable as _Unreadable
from comp_sim.data.files import check_file, check_workbook, csv_line_breaks, read_parquet
from comp_sim.data.mapping import Mapping, TableMapping, guess_columns, load_mapping, missing_columns_hint
from comp_sim.errors import MAX_REPORTED, NO_VALUE, DataError, Issue, closest, did_you_mean
from comp_sim.limits import MAX_DATA_FILE_BYTES, MAX_NUMBER, NUMBER_RULE
from comp_sim.output import file_problem
from comp_sim.periods import Period

SUFFIXES = (".csv", ".parquet", ".xlsx")
# (lowest, lowest allowed itself, highest, rule) for numbers with a range
RANGES = {
    "base_salary": (0.0, True, None, "must be 0 or more"),
    "target_incentive": (0.0, True, None, "must be 0 or more"),
    "forecast": (0.0, True, None, "must be 0 or more"),
    "target": (0.0, False, None, "must be above 0"),
    "discount": (0.0, True, 1.0, "must be within 0..1"),
    "split": (0.0, True, 1.0, "must be within 0..1"),
}
TRUE_WORDS = {"true": True, "yes": True, "y": True, "t": True, "1": True,
              "false": False, "no": False, "n": False, "f": False, "0": False}
SPLIT_TOLERANCE = 1e-9
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")
DATE_RULE = "must be a date written YYYY-MM-DD, from 1900 to 2200"
PERIOD_RULE = "must be a period written 2027-03, 2027-Q1, 2027-H1 or 2027"
NOT_UTF8 = "cannot read as CSV: the file is not UTF-8 text (save it as \"CSV UTF-8\")"
BOOL_RULE = "must be true or false (or yes/no, 1/0)"


def load_data(source: str | Path | AnyMapping[str, Any], mapping: Any = None) -> Dataset:
    """The validated dataset from a folder, a workbook, or a dict ``{table: path | DataFrame}``.

    ``mapping`` is a mapping file path, a dict or a ``Mapping`` (see ``comp_sim.data.mapping``).
    Raises ``DataError`` with every problem found; nothing is returned from bad data.
    """
    mapping = load_mapping(mapping)
    report = _Report()
    places, label = _locate(source, mapping, report)
    report.raise_if_any()
    tables = {table: _read_table(place, table, mapping, report) for table, place in places.items()}
    loaded = {table: t for table, t in tables.items() if t is not None}
    report.raise_if_any()
    frames = _check(loaded, report)
    report.raise_if_any()
    cutoff = mapping.table("deals").history_before if mapping is not None else None
    return Dataset.from_frames(**frames, source=label, files={t: p.label for t, p in places.items()},
                               warnings=tuple(report.warnings), history_before=cutoff)


def read_export_file(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """A file of an export as ``load_data`` reads it, before any mapping (its header as the
    columns, blank rows dropped), for a mapping editor to list columns and values; DataError
    when it cannot be read."""
    report = _Report()
    table = _read_table(_Place(str(path), path, sheet), "deals", None, report)
    report.raise_if_any()
    assert table is not None
    return table.frame


# --------------------------------------------------------------------------- where tables are


@dataclass(frozen=True)
class _Place:
    """Where a table is read from (a file and sheet, or a DataFrame) and its name in errors."""

    label: str
    path: Path | None = None
    sheet: str | None = None
    frame: pd.DataFrame | None = None


def _locate(source: Any, mapping: Mapping | None, report: _Report) -> tuple[dict[str, _Place], str]:
    """The place of each table given (and the source's name); a table given twice, and a
    missing reps table, reported."""
    found: dict[str, list[_Place]] = {}
    if isinstance(source, AnyMapping):
        label, seen = "<data>", [str(name) for name in source]
        _from_dict(source, mapping, found, report)
    else:
        label, seen = str(source), _names(Path(source))
        _from_path(Path(source), mapping, found, report)
    places = {}
    for table in TABLES:
        given = found.get(table, [])
        if len(given) > 1:
            report.issue(f"the {table} table is given {len(given)} times: "
                         f"{', '.join(p.label for p in given)}; keep one", source=given[0].label)
        elif given:
            places[table] = given[0]
    if "reps" not in found and not report.issues:
        names_reps = mapping is not None and mapping.table("reps").file is not None
        mappings = [] if names_reps else [name for name in seen if name.endswith((".yaml", ".yml"))]
        hint = f"; {mappings[0]} may be the column mapping this export needs" if mappings else ""
        if not hint and not names_reps and seen and not any(Path(n).stem.strip().lower() in TABLES for n in seen):
            hint = ("; a CRM export's files load through a column mapping (--mapping FILE whose reps.file names "
                    "the users file; examples/hubspot/mapping.yaml shows one, and the app's CRM export source "
                    "drafts one)")
        report.issue("no reps table: it is required, as reps.csv, reps.parquet, reps.xlsx or a 'reps' sheet "
                     f"of a workbook (found: {', '.join(seen) or 'nothing'}){hint}", source=label)
    return places, label


def _from_dict(source: AnyMapping[str, Any], mapping: Mapping | None, found: dict[str, list[_Place]],
               report: _Report) -> None:
    for table, given in source.items():
        if table not in TABLES:
            report.issue(f"unknown table '{table}'{did_you_mean(str(table), TABLES)} (tables: {', '.join(TABLES)})",
                         source=str(table))
        elif isinstance(given, pd.DataFrame):
            found.setdefault(table, []).append(_Place(f"<{table}>", frame=given))
        elif _supported(Path(given), table, report):
            found.setdefault(table, []).append(_Place(str(given), Path(given), _sheet(mapping, table)))


def _from_path(path: Path, mapping: Mapping | None, found: dict[str, list[_Place]], report: _Report) -> None:
    if not path.exists():
        report.issue("no such folder: give a folder of data files (reps, quotas, deals, forecasts, mbo)",
                     source=str(path))
    elif path.is_dir():
        _scan_folder(path, mapping, found, report)
    elif path.suffix.lower() == ".xlsx":
        _add_workbook(path, found, report)
    else:
        report.issue("give a folder of data files, or one .xlsx workbook with a sheet per table", source=str(path))


def _scan_folder(folder: Path, mapping: Mapping | None, found: dict[str, list[_Place]], report: _Report) -> None:
    named: set[str] = set()
    for table in TABLES:
        wanted = mapping.table(table).file if mapping is not None else None
        if wanted is None:
            continue
        path = folder / wanted
        named.add(path.name)
        if not path.is_file():
            report.add(mapping.issue(f"no file '{wanted}' in {folder} (files: {', '.join(_names(folder)) or 'none'})",
                                     (table, "file")))
        elif _supported(path, table, report):
            found.setdefault(table, []).append(_Place(str(path), path, _sheet(mapping, table)))
    for path in sorted(folder.iterdir()):
        if path.name in named or path.name.startswith((".", "~$")):
            continue
        stem, suffix = path.stem.strip().lower(), path.suffix.lower()
        if suffix not in SUFFIXES and (path.is_dir() or not path.is_file()):
            continue  # a folder, a link to nothing, a FIFO: only one named like a data file is an error
        if stem in TABLES:
            if _supported(path, stem, report):
                found.setdefault(stem, []).append(_Place(str(path), path, _sheet(mapping, stem)))
        elif suffix == ".xlsx":
            _add_workbook(path, found, report)


def sheet_names(path: Path) -> list[str]:
    """A workbook's sheets, read only once it passed the workbook checks (``check_workbook``);
    DataError naming the file when it did not, or cannot be opened."""
    try:
        check_workbook(path)
        return pd.ExcelFile(path, engine="openpyxl").sheet_names
    except _Unreadable as exc:
        raise DataError(Issue(exc.message, source=str(path))) from None
    except Exception as exc:  # any failure to open is an unreadable file, reported as such
        raise DataError(Issue(f"cannot read as an .xlsx workbook: {_reason(exc)}", source=str(path))) from None


def _add_workbook(path: Path, found: dict[str, list[_Place]], report: _Report) -> None:
    """A workbook's sheets named like tables (in any case) are those tables."""
    try:
        sheets = sheet_names(path)
    except DataError as exc:
        report.issues += exc.issues
        return
    matched = [(sheet.strip().lower(), sheet) for sheet in sheets if sheet.strip().lower() in TABLES]
    if not matched:
        hint = next((f"; did you mean '{m}' for sheet '{s}'?" for s in sheets for m in closest(s, TABLES, n=1)), "")
        report.issue(f"no sheet of this workbook is named like a table ({', '.join(TABLES)}){hint} "
                     f"(sheets: {', '.join(sheets)})", source=str(path))
    for table, sheet in matched:
        found.setdefault(table, []).append(_Place(f"{path}[{sheet}]", path, sheet))


def _supported(path: Path, table: str, report: _Report) -> bool:
    if path.suffix.lower() in SUFFIXES:
        problem = file_problem(path, "data file", MAX_DATA_FILE_BYTES)
        if problem:  # missing, a folder, a FIFO, a device, a link to nothing, too big
            report.issue(problem, source=str(path))
            return False
        return True
    report.issue(f"unknown file type '{path.suffix}' for the {table} table: use .csv, .parquet or .xlsx",
                 source=str(path))
    return False


def _sheet(mapping: Mapping | None, table: str) -> str | None:
    return mapping.table(table).sheet if mapping is not None else None


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --------------------------------------------------------------------------- reading


@dataclass
class _Table:
    """A table as read: columns renamed to ours, and each row's line in its file."""

    name: str
    label: str
    frame: pd.DataFrame
    lines: np.ndarray  # int64 (rows,)
    origin: dict[str, str] = field(default_factory=dict)  # our column -> the file's column
    export_columns: tuple[str, ...] = ()  # the file's own header, when a mapping renamed it

    def column_label(self, column: str) -> str:
        return self.origin.get(column, column)


def _read_table(place: _Place, table: str, mapping: Mapping | None, report: _Report) -> _Table | None:
    """Read, drop blank rows, and apply the mapping; None (with issues) when unreadable."""
    rules = mapping.table(table) if mapping is not None else TableMapping()
    try:
        frame, lines = _read(place, table, rules)
    except _Unreadable as exc:
        report.issue(exc.message, source=place.label)
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame, lines = _below_title_rows(frame, lines, rules, place.label, report)
    repeated = set(frame.columns[frame.columns.duplicated()])
    read = {*rules.columns.values(), *rules.filter, *(c for c in COLUMNS[table] if c not in rules.columns)}
    if repeated & read:
        report.issue(f"the header names column(s) {', '.join(map(repr, sorted(repeated & read)))} more than once, "
                     "and the table reads it: rename one of them", source=place.label, line=1)
        return None
    if repeated:  # an export's audit columns (Zoho's two 'Modified By'): nothing reads them
        frame = frame.loc[:, ~frame.columns.isin(repeated)]
        report.warn(f"{place.label}: column(s) {', '.join(map(repr, sorted(repeated)))} appear more than once in "
                    "the header and are left out (nothing the mapping names reads them)")
    blank = frame.isna().all(axis=1).to_numpy() if len(frame.columns) else np.ones(len(frame), bool)
    if blank.any():
        frame, lines = frame.loc[~blank].reset_index(drop=True), lines[~blank]
    return _apply_mapping(_Table(table, place.label, frame, lines), rules, mapping, report)


TITLE_ROWS = 30  # the rows a report's title may fill above its header


def _below_title_rows(frame: pd.DataFrame, lines: np.ndarray, rules: TableMapping, label: str,
                      report: _Report) -> tuple[pd.DataFrame, np.ndarray]:
    """A report exported as a workbook (Salesforce's formatted report) has title rows above its
    header: when the first row lacks a column the mapping names and a row of the first
    ``TITLE_ROWS`` holds every one, that row is the header (and a note says so)."""
    wanted = {*rules.columns.values(), *rules.filter}
    if not wanted or wanted <= set(frame.columns):
        return frame, lines
    for row in range(min(TITLE_ROWS, len(frame))):
        names = text_values(frame.iloc[row].astype(object)).fillna("").tolist()
        if wanted <= set(names):
            report.warn(f"{label}: the header is on line {int(lines[row])}, below the report's title; "
                        f"the {row + 1} line(s) above it are left out")
            body = frame.iloc[row + 1:].set_axis([n or f"Unnamed: {i}" for i, n in enumerate(names)], axis=1)
            return body.reset_index(drop=True), lines[row + 1:]
    return frame, lines


def _read(place: _Place, table: str, rules: TableMapping) -> tuple[pd.DataFrame, np.ndarray]:
    """The raw table and the line (or row) of each of its rows."""
    if place.frame is not None:
        return _numbered(_plain_index(place.frame), 1)
    path = place.path
    assert path is not None
    try:
        check_file(path)  # a regular file within the size bound, before anything reads it
        if path.stat().st_size == 0:
            raise _Unreadable(f"the file is empty: it needs a header row naming the columns "
                              f"(at least {', '.join(REQUIRED[table])})")
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return _read_csv(path, rules)
        if suffix == ".parquet":
            return _numbered(_plain_index(read_parquet(path).to_pandas(date_as_object=False)), 1)
        check_workbook(path)
        return _numbered(_read_sheet(path, place.sheet, table), 2)
    except _Unreadable:
        raise
    except Exception as exc:  # any failure to parse the file is reported as unreadable
        if "invalid UTF8" in str(exc):
            raise _Unreadable(NOT_UTF8) from None
        kind = {".csv": "CSV", ".parquet": "a Parquet file", ".xlsx": "an .xlsx workbook"}[path.suffix.lower()]
        raise _Unreadable(f"cannot read as {kind}: {_reason(exc)}") from None


def _plain_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows numbered 0..n-1; a named index (``rep_id`` set as the index) is a column again."""
    named = any(name is not None for name in frame.index.names)
    return frame.reset_index(drop=not named)


def _numbered(frame: pd.DataFrame, first_line: int) -> tuple[pd.DataFrame, np.ndarray]:
    return frame, np.arange(len(frame), dtype="int64") + first_line


def _read_csv(path: Path, rules: TableMapping) -> tuple[pd.DataFrame, np.ndarray]:
    """Arrow's multithreaded CSV reader; ids and periods stay text ("007" is not 7); only an
    empty cell is missing ("NA" is a region); blank lines are kept, and line breaks inside
    quoted cells counted, so that each row's line is the line it starts on."""
    text = {rules.columns.get(column, column): pa.string() for column in TEXT}
    breaks = csv_line_breaks(path)
    arrow = pa_csv.read_csv(
        path,
        parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(column_types=text, null_values=[""], strings_can_be_null=True,
                                               quoted_strings_can_be_null=True),
    )
    binary = [f.name for f in arrow.schema if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
    if binary:
        raise _Unreadable(NOT_UTF8)
    frame, lines = _numbered(arrow.to_pandas(date_as_object=False), 2)
    if breaks > len(frame) + 1:  # more line breaks than rows and header: some are inside cells
        inside = np.zeros(len(frame), dtype="int64")
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.StringDtype):
                inside += frame[column].str.count("\n").fillna(0).to_numpy(dtype="int64")
        lines = lines + np.cumsum(inside) - inside
    return frame, lines


def _read_sheet(path: Path, sheet: str | None, table: str) -> pd.DataFrame:
    book = pd.ExcelFile(path, engine="openpyxl")
    sheets = book.sheet_names
    by_name = {s.strip().lower(): s for s in sheets}
    if sheet is None:
        sheet = by_name.get(table) or (sheets[0] if len(sheets) == 1 else None)
    if sheet not in sheets:
        wanted = f"'{sheet}'" if sheet else f"'{table}'"
        raise _Unreadable(f"no sheet named {wanted} in this workbook (sheets: {', '.join(sheets)})")
    frame = pd.read_excel(book, sheet_name=sheet, dtype=object, keep_default_na=False, na_values=[""])
    if not len(frame.columns):
        raise _Unreadable(f"sheet '{sheet}' is empty: it needs a header row naming the columns "
                          f"(at least {', '.join(REQUIRED[table])})")
    return frame


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------- mapping


def _apply_mapping(t: _Table, rules: TableMapping, mapping: Mapping | None, report: _Report) -> _Table | None:
    """Filter rows on the export's columns, rename columns to ours, translate values, then fill
    the mapping's defaults."""
    if mapping is None:
        return t
    columns = list(t.frame.columns)
    known_issues = len(report.issues)
    keep = _filtered(t, rules, mapping, report)
    renamed: dict[str, pd.Series] = {}
    mapped_sources = set(rules.columns.values())
    for column in columns:
        if column not in mapped_sources:
            renamed[column] = t.frame[column]
    for ours, theirs in rules.columns.items():
        if theirs not in t.frame:
            hint = did_you_mean(theirs, columns)
            report.add(mapping.issue(f"column '{theirs}' (mapped to {ours}) is not in {t.label}{hint} "
                                     f"(columns: {', '.join(columns)})", (t.name, "columns", ours), value=theirs))
        elif ours in renamed:
            report.add(mapping.issue(f"maps '{theirs}' to {ours}, but {t.label} has its own column '{ours}' too; "
                                     "map one of them", (t.name, "columns", ours)))
        else:
            renamed[ours] = t.frame[theirs]
    for ours in rules.values:
        if ours not in renamed:
            report.add(mapping.issue(f"translates values of column '{ours}', which {t.label} does not have "
                                     f"(after renaming: {', '.join(renamed)})", (t.name, "values", ours), at_key=True))
    defaults = mapping.defaults_of(t.name)
    _check_defaults(t, defaults, mapping, report)
    if len(report.issues) > known_issues:
        return None
    frame = pd.DataFrame(renamed)
    for ours, translate in rules.values.items():
        text = text_values(frame[ours])
        translated = text.map(translate)
        frame[ours] = frame[ours].astype(object).where(translated.isna(), translated.astype(object))
    for column, value in defaults.items():
        if column not in frame:
            frame[column] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
        else:
            blank = (text_values(frame[column]).fillna("") == "").to_numpy(dtype=bool)
            frame[column] = frame[column].astype(object).where(~blank, value)
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
    return _Table(t.name, t.label, frame, t.lines[keep], dict(rules.columns), tuple(columns))


def _filtered(t: _Table, rules: TableMapping, mapping: Mapping, report: _Report) -> np.ndarray:
    """Which rows the mapping's filter keeps, (rows,) bool. Says how many it kept of how many,
    and names each wanted value no row has, with the closest values of its column."""
    keep = np.ones(len(t.frame), dtype=bool)
    described = []
    for column, wanted in rules.filter.items():
        name = column if column in t.frame else rules.columns.get(column)
        if name not in t.frame:
            report.add(mapping.issue(f"the filter reads column '{column}', which is not in {t.label}"
                                     f"{did_you_mean(column, list(t.frame.columns))} "
                                     f"(columns: {', '.join(t.frame.columns)})", (t.name, "filter", column),
                                     at_key=True))
            continue
        values = wanted if isinstance(wanted, list) else [wanted]
        matched = [_matches(t.frame[name], [value]) for value in values]
        keep &= np.logical_or.reduce(matched)
        described.append(f"{name} = {' or '.join(repr(v) for v in values)}")
        for value, rows in zip(values, matched):
            if not rows.any():
                report.warn(f"{t.label}: the filter {t.name}.filter.{column} value {value!r} matches no row "
                            f"of column '{name}'{_closest_values(t.frame[name], value)}")
    if described:
        report.warn(f"{t.label}: the mapping's filter ({'; '.join(described)}) kept {int(keep.sum()):,} "
                    f"of {len(keep):,} rows")
    return keep


MAX_CANDIDATES = 1000  # the most frequent distinct values a suggestion is looked for among


def _closest_values(values: pd.Series, wanted: Any) -> str:
    """``; closest values there: 'Won' (...)`` for a filter value no row has: case and
    spacing are ignored for the suggestion, never for the match; else the commonest values."""
    seen = text_values(values).dropna().value_counts()
    candidates = [str(v) for v in seen.index[:MAX_CANDIDATES]]
    if not candidates:
        return " (the column is empty)"
    close = closest(str(wanted), candidates)
    if close:
        return f"; closest values there: {', '.join(map(repr, close))} (case and spaces count in a match)"
    return f"; its commonest values: {', '.join(map(repr, candidates[:5]))}"


def _check_defaults(t: _Table, defaults: dict[str, Any], mapping: Mapping, report: _Report) -> None:
    """A default value that breaks its column's rule, reported once at the mapping's line."""
    if not defaults:
        return
    probe = _Report()
    frame = pd.DataFrame({column: pd.Series([value], dtype=object) for column, value in defaults.items()})
    _convert(_Table(t.name, t.label, frame, np.ones(1, dtype="int64")), probe)
    for finding in probe.findings:
        report.add(mapping.issue(finding.rule, ("defaults", t.name, finding.column), value=defaults[finding.column]))


def _matches(values: pd.Series, wanted: list[Any]) -> np.ndarray:
    """Rows whose value equals one of ``wanted``: true/false as a flag, numbers as numbers,
    anything else as stripped text."""
    keep = np.zeros(len(values), dtype=bool)
    text = text_values(values)
    for value in wanted:
        if isinstance(value, bool):
            keep |= (_flags(values) == value).fillna(False).to_numpy(dtype=bool)
        elif isinstance(value, (int, float)):
            keep |= (pd.to_numeric(text, errors="coerce") == value).fillna(False).to_numpy(dtype=bool)
        else:
            keep |= (text == str(value).strip()).fillna(False).to_numpy(dtype=bool)
    return keep


# --------------------------------------------------------------------------- checks


def _check(tables: dict[str, _Table], report: _Report) -> dict[str, pd.DataFrame]:
    """Every rule of SPEC "Data" over every row; the tables in our types."""
    out: dict[str, pd.DataFrame] = {}
    for name, t in tables.items():
        missing = [c for c in REQUIRED[name] if c not in t.frame]
        if missing:
            report.issue(_missing_columns(t, missing), source=t.label, line=1)
            continue
        if name == "reps" and not len(t.frame):
            report.issue("the reps table has no rows: at least one rep is needed", source=t.label)
            continue
        out[name] = _convert(t, report)
    if "reps" not in out:
        return out
    reps = out["reps"]
    _unique(tables["reps"], report, reps, ["rep_id"], "rep_id", "repeats the rep_id of line {}")
    if {"hire_date", "end_date"} <= set(reps.columns):
        late = (reps["end_date"] < reps["hire_date"]).to_numpy(dtype=bool)  # False where either is empty
        report.rows(tables["reps"], "end_date", late, "is before hire_date {}",
                    details=[tables["reps"].frame["hire_date"]])
    known = pd.Index(reps["rep_id"].dropna().unique())
    if "manager_id" in reps.columns:
        _check_managers(tables["reps"], reps, known, report)
    for name in ("quotas", "deals", "forecasts", "mbo"):
        if name in out:
            unknown = out[name]["rep_id"].notna() & ~out[name]["rep_id"].isin(known)
            hint = _other_rep_key(tables["reps"], out[name]["rep_id"][unknown]) if unknown.any() else ""
            report.rows(tables[name], "rep_id", unknown, f"is not a rep of {tables['reps'].label}{hint}")
    if "quotas" in out:
        quotas = out["quotas"]
        quotas = quotas.assign(metric=quotas["metric"].fillna("bookings") if "metric" in quotas else "bookings")
        _unique(tables["quotas"], report, quotas, ["rep_id", "period", "metric"], "period",
                "repeats the quota of line {} (same rep, period and metric)")
        _overlaps(tables["quotas"], report, quotas)
    if "forecasts" in out:
        _unique(tables["forecasts"], report, out["forecasts"], ["rep_id", "period"], "period",
                "repeats the forecast of line {} (same rep and period)")
    if "deals" in out:
        _check_deals(tables["deals"], out["deals"], report)
    return out


def _other_rep_key(reps: _Table, ids: pd.Series) -> str:
    """Where the reps file holds the ids another table names its reps by (deals owned by an
    email, reps keyed by name): ``; its column 'Email' holds them: ...``, or nothing."""
    wanted = set(ids.dropna().unique())
    holding = [(int(text_values(reps.frame[c]).isin(wanted).sum()), c) for c in reps.frame.columns if c != "rep_id"]
    count, column = max(holding, default=(0, ""))
    if not count:
        return ""
    return (f"; its column '{reps.column_label(column)}' holds {count:,} of these ids: "
            f"map reps.columns.rep_id: {reps.column_label(column)}")


def _missing_columns(t: _Table, missing: list[str]) -> str:
    """Required columns a table lacks, with the file's own header and the columns of it that
    look like them (as a mapping would name them)."""
    header = list(t.export_columns or t.frame.columns)
    hint = missing_columns_hint(t.name, missing, header, list(t.origin.values()))
    return f"missing required column(s) {', '.join(missing)} (the file has: {', '.join(header) or 'no columns'}){hint}"


def _convert(t: _Table, report: _Report) -> pd.DataFrame:
    """The table's columns in our types (text, dates, numbers, periods, flags); each value that
    does not convert, and each empty required cell, reported."""
    frame = t.frame.copy(deep=False)  # columns are replaced, never written into
    required = set(REQUIRED[t.name])
    for column in t.frame.columns:
        raw = t.frame[column]
        if column not in COLUMNS[t.name]:
            continue  # other columns of a deals file stay as read, for plan filters
        if column == "period":
            frame[column], bad = _periods(raw)
            report.rows(t, column, bad, PERIOD_RULE)
            empty = raw.isna().to_numpy(dtype=bool)
        elif column in TEXT:
            frame[column] = text_values(raw)
            empty = (frame[column].isna() | (frame[column] == "")).to_numpy(dtype=bool)
        elif column in NUMBERS:
            frame[column], bad, outside = _numbers(raw)
            report.rows(t, column, bad, "must be a number")
            report.rows(t, column, outside, NUMBER_RULE)
            _range(t, column, frame[column], report)
            empty = raw.isna().to_numpy(dtype=bool)
        elif column in DATES:
            frame[column], bad = _dates(raw)
            report.rows(t, column, bad, DATE_RULE)
            empty = raw.isna().to_numpy(dtype=bool)
        elif column == "new_logo":
            flags = _flags(raw)
            report.rows(t, column, raw.notna().to_numpy(dtype=bool) & flags.isna().to_numpy(dtype=bool), BOOL_RULE)
            frame[column] = flags
            continue
        if column in required:
            report.rows(t, column, empty, "is empty; the column is required", show_value=False)
    return frame


def _numbers(raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Numbers as float64; which cells are not numbers, and which are infinite or beyond
    ``MAX_NUMBER`` (two deals of 1e308 would add up to inf)."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        numbers = pd.Series(np.nan, index=raw.index)
    elif pd.api.types.is_numeric_dtype(raw.dtype):
        numbers = raw.astype("float64")
    else:
        cleaned = raw.str.strip() if isinstance(raw.dtype, pd.StringDtype) else raw
        numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    values = numbers.to_numpy()
    bad = raw.notna().to_numpy(dtype=bool) & np.isnan(values)
    with np.errstate(invalid="ignore"):
        outside = np.isinf(values) | (np.abs(values) > MAX_NUMBER)
    return numbers.where(~outside), bad, outside


def _range(t: _Table, column: str, numbers: pd.Series, report: _Report) -> None:
    if column not in RANGES:
        return
    low, low_allowed, high, rule = RANGES[column]
    values = numbers.to_numpy()
    with np.errstate(invalid="ignore"):
        out = (values < low) if low_allowed else (values <= low)
        if high is not None:
            out |= values > high
    report.rows(t, column, out & ~np.isnan(values), rule)


def _dates(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        dates = raw.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(raw.dtype):
        dates = raw
    else:
        cleaned = raw.str.strip() if isinstance(raw.dtype, pd.StringDtype) else raw
        dates = pd.to_datetime(cleaned, errors="coerce", format="ISO8601")
        if isinstance(dates.dtype, pd.DatetimeTZDtype):
            dates = dates.dt.tz_localize(None)
    dates = dates.where((dates >= EARLIEST) & (dates <= LATEST)).astype("datetime64[ns]")
    bad = raw.notna().to_numpy(dtype=bool) & dates.isna().to_numpy(dtype=bool)
    return dates, bad


def _periods(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Canonical period labels (each distinct value parsed once); which cells are not periods."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    labels = pd.array([_period_label(value) for value in uniques], dtype="string")
    periods = pd.Series(labels.take(codes, allow_fill=True), index=raw.index, dtype="string")
    bad = (codes >= 0) & periods.isna().to_numpy(dtype=bool)
    return periods, bad


def _period_label(value: Any) -> Any:
    """``2027-q1`` -> ``2027-Q1``; a date on the 1st of a month (what a spreadsheet makes of a
    typed ``2027-03``) is that month; NA when not a period."""
    if isinstance(value, (dt.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        if stamp != stamp.normalize() or stamp.day != 1:
            return pd.NA
        value = f"{stamp.year:04d}-{stamp.month:02d}"
    try:
        return str(Period.parse(value))
    except ValueError:
        return pd.NA


def _flags(raw: pd.Series) -> pd.Series:
    """true/false, yes/no, y/n, t/f, 1/0 (any case) as a nullable boolean; NA when not one."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean")
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    flags = [_flag(value) for value in uniques]
    return pd.Series(pd.array(flags, dtype="boolean").take(codes, allow_fill=True), index=raw.index)


def _flag(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    return TRUE_WORDS.get(str(value).strip().lower(), pd.NA)


def _unique(t: _Table, report: _Report, frame: pd.DataFrame, keys: list[str], column: str, rule: str) -> None:
    """Rows repeating the keys of an earlier row, reported with that row's line."""
    _repeats(t, report, [pd.factorize(frame[key], use_na_sentinel=True)[0] for key in keys], column, rule)


def _repeats(t: _Table, report: _Report, key_codes: list[np.ndarray], column: str, rule: str) -> None:
    """Rows whose codes (one array per key column, -1 when empty) repeat an earlier row's."""
    complete = np.logical_and.reduce([codes >= 0 for codes in key_codes])
    combined = _combine(key_codes)
    repeated = pd.Series(combined).duplicated(keep="first").to_numpy() & complete
    if repeated.any():
        first = pd.Series(t.lines).groupby(combined).transform("first").to_numpy()
        report.rows(t, column, repeated, rule, details=[first])


def _overlaps(t: _Table, report: _Report, quotas: pd.DataFrame) -> None:
    """Quotas of one rep and metric for periods that share a month (``2027`` and ``2027-Q1``)
    would count that month twice; each such row is reported with the earlier row it overlaps."""
    periods = quotas["period"]
    parsed = {label: Period.parse(label) for label in periods.dropna().unique()}
    first = periods.map({label: p.first.ordinal for label, p in parsed.items()}).to_numpy(dtype="float64")
    length = periods.map({label: p.length for label, p in parsed.items()}).fillna(0).to_numpy(dtype="int64")
    length = np.where(quotas["rep_id"].isna().to_numpy(), 0, length)
    rows = np.repeat(np.arange(len(quotas)), length)  # one entry per (quota row, month)
    months = first[rows].astype("int64") + np.arange(len(rows)) - np.repeat(np.cumsum(length) - length, length)
    keys = [pd.factorize(quotas[c])[0][rows] for c in ("rep_id", "metric")] + [pd.factorize(months)[0]]
    combined = _combine(keys)
    earlier = pd.Series(rows).groupby(combined).transform("first").to_numpy()
    period_codes = pd.factorize(periods)[0]
    other = period_codes[rows] != period_codes[earlier]  # the same period is a repeat, reported above
    overlapped = pd.Series(earlier[other]).groupby(rows[other]).first()
    overlap = np.zeros(len(quotas), dtype=bool)
    overlap[overlapped.index] = True
    first_overlapped = np.zeros(len(quotas), dtype="int64")
    first_overlapped[overlapped.index] = overlapped.to_numpy()
    report.rows(t, "period", overlap, "overlaps {} on line {} (same rep and metric): a month's quota would count twice",
                details=[periods.iloc[first_overlapped].to_numpy(), t.lines[first_overlapped]])


def _combine(key_codes: list[np.ndarray]) -> np.ndarray:
    """One int64 code per distinct combination of per-column codes (-1 for empty)."""
    combined = np.zeros(len(key_codes[0]), dtype="int64")
    for codes in key_codes:
        size = int(codes.max(initial=0)) + 2
        if int(combined.max(initial=0)) >= np.iinfo("int64").max // size:
            combined = pd.factorize(combined)[0].astype("int64")
        combined = combined * size + codes + 1
    return combined


def _check_managers(t: _Table, reps: pd.DataFrame, known: pd.Index, report: _Report) -> None:
    """A manager_id names another rep, and following managers up never comes back to a rep."""
    manager = reps["manager_id"]
    given = manager.notna().to_numpy(dtype=bool)
    parent = pd.Index(reps["rep_id"]).get_indexer(manager.where(manager.notna(), None))
    report.rows(t, "manager_id", given & (parent < 0), f"is not a rep of {t.label}")
    report.rows(t, "manager_id", given & (manager == reps["rep_id"]).fillna(False).to_numpy(dtype=bool),
                "is the rep's own rep_id: a rep cannot manage themself")
    parent = np.where(parent == np.arange(len(parent)), -1, parent)  # reported just above
    on_cycle = reps_on_manager_cycles(parent)
    if on_cycle.any():
        ids = reps["rep_id"].to_numpy()
        cycles = [None] * len(parent)
        for rep in np.flatnonzero(on_cycle):
            chain, at = [ids[rep]], parent[rep]
            while at != rep:
                chain.append(ids[at])
                at = parent[at]
            cycles[rep] = " -> ".join([*chain, ids[rep]])
        report.rows(t, "manager_id", on_cycle, "managers form a cycle: {}", details=[cycles])


def reps_on_manager_cycles(parent: np.ndarray) -> np.ndarray:
    """Which reps lie on a cycle of managers, (reps,) bool; ``parent`` is each rep's manager's
    position (-1 for none). Pointer doubling finds the reps whose chain never ends (on a cycle
    or leading into one) in log2(reps) passes; of those, a rep is on the cycle when it is its own
    ancestor.

    >>> reps_on_manager_cycles(np.array([1, 0, 1, -1, 3])).tolist()
    [True, True, False, False, False]
    """
    jump = parent.copy()
    for _ in range(max(1, int(np.ceil(np.log2(max(len(parent), 2))))) + 1):
        jump = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
    endless = jump >= 0
    on_cycle = np.zeros(len(parent), dtype=bool)
    if endless.any():
        # every endless chain reaches a cycle within len(parent) steps: walk the endless reps there
        at = np.flatnonzero(endless)
        for _ in range(len(parent)):
            at = parent[at]
        # ``at`` now lies on a cycle; mark each cycle once by walking it
        seen = set()
        for start in np.unique(at):
            if start in seen:
                continue
            node = start
            while True:
                seen.add(int(node))
                on_cycle[node] = True
                node = parent[node]
                if node == start:
                    break
    return on_cycle


def _check_deals(t: _Table, deals: pd.DataFrame, report: _Report) -> None:
    """A deal credits a rep once; its revenue splits sum to at most 1 (reported at its first
    row; overlay credits come on top); a credit is revenue or overlay."""
    deal_codes, _ = pd.factorize(deals["deal_id"], use_na_sentinel=True)
    rep_codes, _ = pd.factorize(deals["rep_id"], use_na_sentinel=True)
    _repeats(t, report, [deal_codes, rep_codes], "deal_id", "repeats the deal and rep of line {}")
    _check_currency(t, deals, report)
    revenue = np.ones(len(deals), dtype=bool)
    if "credit_type" in deals:
        credit = deals["credit_type"].str.lower()
        report.rows(t, "credit_type", (credit.notna() & ~credit.isin(CREDIT_TYPES)).to_numpy(dtype=bool),
                    f"must be {' or '.join(CREDIT_TYPES)}")
        revenue = ~(credit == "overlay").fillna(False).to_numpy(dtype=bool)
    if "split" not in deals:
        return
    has_id = deal_codes >= 0
    split = deals["split"].fillna(1.0).to_numpy(dtype="float64")
    in_range = (split >= 0) & (split <= 1)  # a split out of range is reported by itself
    codes = np.maximum(deal_codes, 0)
    counted = has_id & revenue
    totals = np.bincount(codes[counted], weights=split[counted], minlength=codes.max(initial=0) + 1)
    broken = np.bincount(codes[has_id], weights=~in_range[has_id], minlength=1) > 0
    first_row = counted & ~pd.Series(np.where(counted, deal_codes, -1)).duplicated(keep="first").to_numpy()
    over = first_row & (totals[codes] > 1.0 + SPLIT_TOLERANCE) & ~broken[codes]
    report.rows(t, "split", over, "the splits of deal '{}' sum to {:g}; a deal's splits sum to at most 1 "
                "(overlay credits are not counted)",
                details=[deals["deal_id"], totals[codes]], show_value=False)


def _check_currency(t: _Table, deals: pd.DataFrame, report: _Report) -> None:
    """Amounts are added up as they are, so deals in another currency than the others are
    refused: the deals' ``currency``, or else an export column named like one (Pipedrive's
    ``Deal - Currency``, Salesforce's ``CurrencyIsoCode``) that the mapping left unmapped."""
    others = [c for c in deals.columns if c not in COLUMNS["deals"]]
    column = "currency" if "currency" in deals else guess_columns("deals", others).get("currency")
    if column is None:
        return
    codes, currencies = pd.factorize(text_values(deals[column]).str.upper(), use_na_sentinel=True)
    if len(currencies) < 2:
        return
    main = int(np.argmax(np.bincount(codes[codes >= 0])))  # the commonest, the first seen on a tie
    count = int((codes == main).sum())
    report.rows(t, column, (codes >= 0) & (codes != main),
                f"is not the currency of the other deals ({currencies[main]}, {count:,} rows): comp_sim converts no "
                "currency; map an amount in one currency and its currency column as deals.columns.currency, "
                "or keep one currency with the mapping's filter")


# --------------------------------------------------------------------------- reporting


@dataclass
class _Finding:
    """One rule broken on many rows: formatted into Issues only for the rows shown."""

    table: _Table
    column: str
    rule: str
    rows: np.ndarray  # positions in the table
    details: list[Any]
    show_value: bool


class _Report:
    """Issues of whole files, and row findings; raises one DataError with the first 50 (in
    file and line order) and a count of the rest."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.findings: list[_Finding] = []
        self.warnings: list[str] = []  # what the data loads with but the user should know

    def issue(self, message: str, **where: Any) -> None:
        self.issues.append(Issue(message, **where))

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def rows(self, t: _Table, column: str, mask: Any, rule: str, *, details: list[Any] | None = None,
             show_value: bool = True) -> None:
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(rows):
            self.findings.append(_Finding(t, column, rule, rows, details or [], show_value))

    def raise_if_any(self) -> None:
        total = len(self.issues) + sum(len(f.rows) for f in self.findings)
        if not total:
            return
        shown = self.issues[:MAX_REPORTED] + self._first_rows(MAX_REPORTED - len(self.issues))
        raise DataError(shown, total)

    def _first_rows(self, limit: int) -> list[Issue]:
        if limit <= 0 or not self.findings:
            return []
        order = {name: i for i, name in enumerate(TABLES)}
        tables = np.concatenate([np.full(len(f.rows), order[f.table.name]) for f in self.findings])
        lines = np.concatenate([f.table.lines[f.rows] for f in self.findings])
        which = np.concatenate([np.full(len(f.rows), i) for i, f in enumerate(self.findings)])
        rank = np.concatenate([np.arange(len(f.rows)) for f in self.findings])
        first = np.lexsort((which, lines, tables))[:limit]
        return [self._issue(self.findings[which[i]], int(rank[i])) for i in first]

    @staticmethod
    def _issue(f: _Finding, rank: int) -> Issue:
        row = int(f.rows[rank])
        details = [_plain(d.iloc[row] if isinstance(d, pd.Series) else d[row]) for d in f.details]
        rule = f.rule.format(*details) if details else f.rule
        value = _plain(f.table.frame[f.column].iloc[row]) if f.show_value else NO_VALUE
        return Issue(rule, source=f.table.label, line=int(f.table.lines[row]),
                     path=f.table.column_label(f.column), value=value)



def _plain(value: Any) -> Any:
    """A cell as the user wrote it: a date as YYYY-MM-DD, numpy scalars as Python values."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    if isinstance(value, (dt.date, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value
