"""The "CRM export" data source: upload an export's files (with its mapping YAML, if there is one),
map its columns in the page, see the first rows and every problem while editing, and download the
mapping for the CLI (``comp-sim run --data FOLDER --mapping mapping.yaml``).

The page builds a ``comp_sim.data.mapping.Mapping`` from its widgets and loads the files through
``inputs.load_upload`` (the CLI's loader and checks): nothing here reads data its own way. Each
choice is a widget whose key starts with ``crm_``; the choices start from an uploaded mapping, or
from guesses by name (``guess_columns``), and the last mapping built is kept so that leaving the
source and coming back with the same files restores it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from ruamel.yaml import YAML

from comp_sim import api
from comp_sim.api import (COLUMNS, DEFAULT_REACH, QUOTA_METHODS, QUOTA_METRICS, QUOTA_SPREADS, REQUIRED, TABLES,
                          CompSimError, DataError, Dataset, Issue, Mapping, QuotaSet, UsageError, guess_columns,
                          load_mapping, mapping_yaml, parse_amounts, quota_figure, read_export_file)
from comp_sim.app.inputs import load_upload, show_errors

NONE = "(none)"
DATA_TYPES = ("csv", "parquet", "xlsx")
MAPPING_TYPES = ("yaml", "yml")
PREVIEW_ROWS = 5
MAX_LISTED_VALUES = 12  # distinct values offered for new logos or role names
MAX_FILTER_VALUES = 200  # distinct values offered for a row filter
TRUE_TEXT = {"true", "yes", "y", "t", "1"}
TABLE_WORDS = {  # words in an export file's name that say which table it holds
    "reps": ("rep", "user", "owner", "people", "employee", "staff", "team"),
    "deals": ("deal", "opportunit", "opps", "booking", "order", "won"),
    "quotas": ("quota", "target"),
    "forecasts": ("forecast", "commit"),
    "mbo": ("mbo", "objective"),
}
WON = re.compile(r"won|^true$|^yes$|^1$", re.IGNORECASE)
STAGE = re.compile(r"stage|status|iswon|^won$", re.IGNORECASE)
NEW = re.compile(r"new", re.IGNORECASE)
QH_KEYS = ("crm_qh_method", "crm_qh_metrics", "crm_qh_reach", "crm_qh_growth", "crm_qh_spread", "crm_qh_amounts",
           "crm_qh_ramp", "crm_qh_start")  # the options of quotas from history


@dataclass
class Export:
    """Uploaded export files, kept on disk for the run's reads, and the mapping uploaded with them."""

    files: tuple[tuple[str, bytes], ...]
    mapping: Mapping | None
    mapping_error: CompSimError | None
    identity: tuple
    folder: tempfile.TemporaryDirectory = field(default_factory=lambda: tempfile.TemporaryDirectory(prefix="comp_sim_crm_"))
    sources: list[str] = field(default_factory=list)  # each file, or each sheet of a workbook
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _loads: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Write the files where the loader reads them; list what a table may come from: a file,
        or a sheet of a workbook as ``book.xlsx [Sheet]``."""
        for name, content in self.files:
            path = Path(self.folder.name) / name
            path.write_bytes(content)
            if name.lower().endswith(".xlsx"):
                try:
                    sheets = api.sheet_names(path)
                except Exception:  # an unreadable workbook: the loader says why when it is picked
                    sheets = []
                self.sources += [name] if len(sheets) <= 1 else [f"{name} [{sheet}]" for sheet in sheets]
            else:
                self.sources.append(name)

    def frame(self, source: str) -> pd.DataFrame:
        """The source as the loader reads it (raises DataError when unreadable)."""
        if source not in self._frames:
            name, sheet = split_source(source)
            self._frames[source] = read_export_file(Path(self.folder.name) / name, sheet)
        return self._frames[source]

    def load(self, mapping: Mapping) -> Dataset:
        """The dataset through ``mapping`` (the last few loads kept; raises DataError)."""
        key = mapping_yaml(mapping)
        if key not in self._loads:
            try:
                self._loads[key] = load_upload(list(self.files), mapping)
            except DataError as exc:
                self._loads[key] = exc
            if len(self._loads) > 8:
                self._loads.pop(next(iter(self._loads)))
        found = self._loads[key]
        if isinstance(found, DataError):
            raise found
        return found


def split_source(source: str) -> tuple[str, str | None]:
    """``"book.xlsx [Users]"`` -> ``("book.xlsx", "Users")``; a file alone has no sheet."""
    match = re.fullmatch(r"(.*) \[(.*)\]", source)
    return (match.group(1), match.group(2)) if match else (source, None)


def editor() -> None:
    """The export's upload and mapping, drawn above the page when the data source is
    ``CRM_EXPORT``; keeps the loaded dataset, its identity and label in ``crm_dataset`` for the
    sidebar."""
    st.session_state["crm_dataset"] = None
    with st.expander("CRM export: upload its files and map its columns", expanded=True):
        export = _uploaded()
        if export is None:
            st.info("Upload the export's files (CSV, Parquet or XLSX), and its mapping YAML if you have one. "
                    "Until the export loads, the bundled sample is used.")
            return
        if export.mapping_error is not None:
            show_errors("The uploaded mapping could not be read; its choices are guessed instead",
                        export.mapping_error)
        _ensure_state(export)
        tabs = st.tabs([f"{table}{' *' if table == 'reps' else ''}" for table in TABLES])
        for tab, table in zip(tabs, TABLES):
            with tab:
                _table_editor(export, table)
        st.divider()
        _result(export)


def _uploaded() -> Export | None:
    """The export in the uploader, read once per set of files; a new set starts new choices."""
    files = st.file_uploader("Export files, and a mapping YAML if you have one",
                             type=[*DATA_TYPES, *MAPPING_TYPES], accept_multiple_files=True, key="crm_upload")
    if not files:
        st.session_state["crm_export"] = None
        return None
    identity = tuple((f.name, f.size, getattr(f, "file_id", "")) for f in files)
    export = st.session_state.get("crm_export")
    if export is not None and export.identity == identity:
        return export
    data, mapping, error = [], None, None
    for file in files:
        content = file.getvalue()
        if file.name.lower().endswith(tuple(f".{t}" for t in MAPPING_TYPES)):
            try:  # read as the CLI reads --mapping, bounds and all
                with tempfile.TemporaryDirectory(prefix="comp_sim_mapping_") as folder:
                    path = Path(folder) / Path(file.name).name
                    path.write_bytes(content)
                    mapping = load_mapping(path, name=file.name)
            except CompSimError as exc:
                error = exc
        else:
            data.append((Path(file.name).name, content))
    export = Export(tuple(data), mapping, error, identity)
    st.session_state["crm_export"] = export
    for key in [k for k in st.session_state if str(k).startswith("crm_") and k not in _KEPT]:
        del st.session_state[key]
    return export


_KEPT = {"crm_upload", "crm_export", "crm_dataset", "crm_saved"}


# --------------------------------------------------------------------------- choices <-> mapping


def _key(table: str, what: str, column: str = "") -> str:
    return f"crm_{table}_{what}" + (f"_{column}" if column else "")


def _ensure_state(export: Export) -> None:
    """Start every choice from the uploaded mapping, the mapping last built for these files, or
    guesses; choices already made are kept."""
    if _key("reps", "file") in st.session_state:
        return
    saved = st.session_state.get("crm_saved")
    names = tuple(name for name, _ in export.files)
    if export.mapping is not None:
        start = export.mapping
    elif saved is not None and saved[0] == names:
        start = saved[1]
    else:
        start = _guessed(export)
    for key, value in _choices_of(start, export).items():
        st.session_state[key] = value


def _guessed(export: Export) -> Mapping:
    """A mapping guessed from the files' names and headers."""
    sources = export.sources
    data: dict[str, Any] = {}
    taken: set[str] = set()
    for table in TABLES:
        source = _guess_source(export, table, [s for s in sources if s not in taken])
        if source is None:
            continue
        taken.add(source)
        name, sheet = split_source(source)
        entry: dict[str, Any] = {"file": name, **({"sheet": sheet} if sheet else {})}
        header = _header(export, source)
        columns = {ours: theirs for ours, theirs in guess_columns(table, header).items() if ours != theirs}
        entry["columns"] = columns
        if table == "deals":
            entry.update(_guess_filter(export.frame(source), header))
            logo = columns.get("new_logo")
            if logo:
                values = _distinct(export.frame(source), logo)
                entry["values"] = {"new_logo": {value: bool(NEW.search(value)) for value in values}}
        data[table] = entry
    _match_rep_ids(export, data)
    return load_mapping(data)


def _match_rep_ids(export: Export, data: dict[str, Any]) -> None:
    """The reps' rep_id is the column of the reps file that holds most of the deals' owners (an
    export may name owners by id, e-mail or name)."""
    deals, reps = data.get("deals"), data.get("reps")
    if not deals or not reps or "rep_id" not in deals["columns"]:
        return
    deals_source = deals["file"] if "sheet" not in deals else f"{deals['file']} [{deals['sheet']}]"
    reps_source = reps["file"] if "sheet" not in reps else f"{reps['file']} [{reps['sheet']}]"
    owners = set(export.frame(deals_source)[deals["columns"]["rep_id"]].dropna().astype(str).str.strip())
    frame = export.frame(reps_source)
    overlap = {column: len(owners & set(frame[column].dropna().astype(str).str.strip())) for column in frame.columns}
    best = max(overlap, key=lambda column: overlap[column], default=None)
    if best is not None and overlap[best] > 0:
        columns = {ours: theirs for ours, theirs in reps["columns"].items() if theirs != best}
        reps["columns"] = {**columns, "rep_id": best} if best != "rep_id" else columns


def _guess_source(export: Export, table: str, sources: list[str]) -> str | None:
    """The file named like the table whose header holds the table's required columns, else the
    first named like it, else the first whose header holds them."""
    def named(source: str) -> bool:
        return any(word in source.lower() for word in (table, *TABLE_WORDS[table]))

    def holds(source: str) -> bool:
        header = _header(export, source)
        return set(REQUIRED[table]) <= set(guess_columns(table, header)) | set(header)

    for candidates in ([s for s in sources if named(s) and holds(s)], [s for s in sources if named(s)],
                       [s for s in sources if holds(s)]):
        if candidates:
            return candidates[0]
    return None


def _guess_filter(frame: pd.DataFrame, header: list[str]) -> dict[str, Any]:
    """Keep won deals: a stage-like column's values that say won."""
    for column in header:
        if STAGE.search(str(column)):
            won = [value for value in _distinct(frame, column) if WON.search(value) and "lost" not in value.lower()]
            if won:
                return {"filter": {column: won if len(won) > 1 else won[0]}}
    return {}


def _header(export: Export, source: str) -> list[str]:
    try:
        return [str(c) for c in export.frame(source).columns]
    except DataError:
        return []


def _distinct(frame: pd.DataFrame, column: str, limit: int = MAX_LISTED_VALUES) -> list[str]:
    """The most common distinct values of a column, as text."""
    if column not in frame:
        return []
    counts = frame[column].dropna().astype(str).str.strip().value_counts()
    return [str(v) for v in counts.index[:limit] if str(v)]


def _choices_of(mapping: Mapping, export: Export) -> dict[str, Any]:
    """Widget values that show ``mapping``; what no widget shows goes in each table's YAML box."""
    choices: dict[str, Any] = {}
    sources = export.sources
    for table in TABLES:
        rules = mapping.table(table)
        source = rules.file if rules.sheet is None else f"{rules.file} [{rules.sheet}]"
        choices[_key(table, "file")] = source if source in sources else NONE
        for column in COLUMNS[table]:
            choices[_key(table, "col", column)] = rules.columns.get(column, NONE)
            default = mapping.defaults_of(table).get(column)
            choices[_key(table, "default", column)] = "" if default is None else _text(default)
        extra: dict[str, Any] = {}
        filters = list(rules.filter.items())
        choices[_key(table, "filter")] = filters[0][0] if filters else NONE
        first = filters[0][1] if filters else []
        choices[_key(table, "keep")] = [_text(v) for v in (first if isinstance(first, list) else [first])]
        if filters[1:]:
            extra["filter"] = dict(filters[1:])
        values = dict(rules.values)
        logo = values.pop("new_logo", None) if table == "deals" else None
        if logo is not None:
            choices[_key(table, "new")] = [k for k, v in logo.items() if _text(v).strip().lower() in TRUE_TEXT]
        roles = values.pop("role", None) if table == "reps" else None
        for value, ours in (roles or {}).items():
            choices[_key(table, "role", value)] = _text(ours)
        if values:
            extra["values"] = values
        if table == "deals":
            cutoff = mapping.table("deals").history_before
            choices[_key(table, "history")] = cutoff.isoformat() if cutoff else ""
        choices[_key(table, "more")] = _yaml_text(extra) if extra else ""
    return choices


def _mapping_from_choices(export: Export, problems: list[Issue]) -> dict[str, Any]:
    """The mapping the widgets show, as a dict for ``load_mapping``; problems of the free-text
    boxes go to ``problems``."""
    state = st.session_state
    data: dict[str, Any] = {}
    defaults: dict[str, dict[str, Any]] = {}
    for table in TABLES:
        table_defaults = {column: _scalar(state.get(_key(table, "default", column), ""))
                          for column in COLUMNS[table] if str(state.get(_key(table, "default", column), "")).strip()}
        if table_defaults:
            defaults[table] = table_defaults
        source = state.get(_key(table, "file"), NONE)
        if source == NONE:
            continue
        name, sheet = split_source(source)
        entry: dict[str, Any] = {"file": name, **({"sheet": sheet} if sheet else {})}
        entry["columns"] = {c: state[_key(table, "col", c)] for c in COLUMNS[table]
                            if state.get(_key(table, "col", c), NONE) != NONE}
        column = state.get(_key(table, "filter"), NONE)
        keep = state.get(_key(table, "keep"), [])
        if column != NONE and keep:
            entry["filter"] = {column: keep if len(keep) > 1 else keep[0]}
        values: dict[str, Any] = {}
        logo = entry["columns"].get("new_logo")
        if table == "deals" and logo:
            new = set(state.get(_key(table, "new"), []))
            values["new_logo"] = {value: value in new for value in _distinct(export.frame(source), logo)}
        role = entry["columns"].get("role")
        if table == "reps" and role:
            renamed = {value: str(state.get(_key(table, "role", value), value)).strip()
                       for value in _distinct(export.frame(source), role)}
            values["role"] = {k: v for k, v in renamed.items() if v and v != k}
            if not values["role"]:
                del values["role"]
        if values:
            entry["values"] = values
        if table == "deals" and str(state.get(_key(table, "history"), "")).strip():
            entry["history_before"] = str(state[_key(table, "history")]).strip()
        more = _parse_more(table, state.get(_key(table, "more"), ""), problems)
        for part in ("filter", "values"):
            if part in more:
                entry[part] = {**entry.get(part, {}), **more.pop(part)}
        entry.update(more)
        data[table] = entry
    if defaults:
        data["defaults"] = defaults
    return data


def _parse_more(table: str, text: str, problems: list[Issue]) -> dict[str, Any]:
    """The table's YAML box (more filters or value translations), or a problem saying why not."""
    if not str(text).strip():
        return {}
    try:  # with the guards of a mapping file: no tags, aliases or deep nesting
        parsed = api.plain(api.parse_yaml(text, f"{table} (more)", "mapping", DataError))
    except DataError as exc:
        problems.extend(exc.issues)
        return {}
    if not isinstance(parsed, dict):
        problems.append(Issue("write the keys of the table's mapping, e.g. values: {product: {Pro X: ProX}}",
                              source=f"{table} (more)"))
        return {}
    return parsed


def _scalar(text: str) -> Any:
    """A default typed in a box as the value YAML would read: 80000 a number, true a flag."""
    try:
        value = api.plain(api.parse_yaml(str(text), "default", "value", DataError))
    except DataError:
        return str(text).strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if isinstance(value, (bool, int, float, str)) else str(text).strip()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _yaml_text(data: dict) -> str:
    out = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.dump(data, out)
    return out.getvalue()


# --------------------------------------------------------------------------- drawing


def _table_editor(export: Export, table: str) -> None:
    """One table's choices: its file, a column of it per comp_sim column (or a value for every
    row), a row filter, value translations, and the file's first rows."""
    sources = [NONE, *export.sources]
    source = st.selectbox(f"The {table} table comes from", sources, key=_key(table, "file"),
                          help="The export's file (or workbook sheet) that holds this table.")
    if source == NONE:
        if table == "reps":
            st.warning("Pick the file of the reps (users, owners): it is required.")
        if table == "quotas":
            _history_options()
        return
    try:
        frame = export.frame(source)
    except DataError as exc:
        show_errors(f"{source} cannot be read", exc)
        return
    header = [str(c) for c in frame.columns]
    st.caption(f"First rows of {source} ({len(frame):,} rows):")
    st.dataframe(frame.head(PREVIEW_ROWS), hide_index=True)
    st.markdown("**Columns** (required ones are marked *; a value typed on the right fills a column the "
                "export lacks, or its blank cells)")
    for column in COLUMNS[table]:
        left, right = st.columns([3, 2])
        required = " *" if column in REQUIRED[table] else ""
        options = [NONE, *header]
        key = _key(table, "col", column)
        if st.session_state.get(key) not in options:
            st.session_state[key] = NONE
        left.selectbox(f"{column}{required}", options, key=key)
        right.text_input(f"{column}: value for every row / blank", key=_key(table, "default", column),
                         placeholder="e.g. AE" if column == "role" else "")
    st.markdown("**Rows to keep**")
    left, right = st.columns([2, 3])
    filter_key = _key(table, "filter")
    if st.session_state.get(filter_key) not in [NONE, *header]:
        st.session_state[filter_key] = NONE
    column = left.selectbox("Keep rows where column", [NONE, *header], key=filter_key)
    if column != NONE:
        seen = _distinct(frame, column, MAX_FILTER_VALUES)
        keep_key = _key(table, "keep")
        st.session_state.setdefault(keep_key, [])
        right.multiselect("is one of", list(dict.fromkeys([*seen, *st.session_state[keep_key]])), key=keep_key,
                          help="A value no row has is kept and named in the notes, with the closest values.")
    _translations(export, source, table)
    if table == "deals":
        st.text_input("Deals closed before this date (YYYY-MM-DD) only tell which accounts are new",
                      key=_key(table, "history"), placeholder="e.g. 2026-01-01")
    st.text_area("More of this table's mapping (YAML: more filters, value translations)", key=_key(table, "more"),
                 placeholder="values: {product: {Pro X: ProX}}")


def _history_options() -> None:
    """Quotas from the deals' history, as ``comp-sim quotas`` sets them, for an export without any."""
    defaults = {"crm_qh_on": True, "crm_qh_method": "percentile", "crm_qh_metrics": ["bookings", "new_logos"],
                "crm_qh_reach": DEFAULT_REACH, "crm_qh_growth": 0.0, "crm_qh_spread": "even", "crm_qh_amounts": "",
                "crm_qh_ramp": "", "crm_qh_start": ""}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    if not st.checkbox("Set quotas from the deals' history (comp-sim quotas)", key="crm_qh_on"):
        return
    left, middle, right = st.columns(3)
    left.selectbox("Method", QUOTA_METHODS, key="crm_qh_method",
                   help="trailing: each rep's own history x (1 + growth); percentile: the level a share of each "
                        "role's reps reached; uniform: an amount per role.")
    middle.multiselect("For the metrics", list(QUOTA_METRICS), key="crm_qh_metrics")
    right.selectbox("Spread over the months", QUOTA_SPREADS, key="crm_qh_spread")
    left.number_input("Share of reps that would reach it (percentile)", min_value=0.05, max_value=1.0, step=0.05,
                      key="crm_qh_reach")
    middle.number_input("Growth over history", min_value=-0.9, max_value=10.0, step=0.05, key="crm_qh_growth")
    right.text_input("Amounts per role (uniform)", key="crm_qh_amounts", placeholder="AE=800000, new_logos:AE=6")
    left.text_input("Plan year from (YYYY-MM; blank: the year with most deals)", key="crm_qh_start")
    middle.text_input("Ramp for new hires' first months", key="crm_qh_ramp", placeholder="0.25, 0.5, 0.75")


def _history_quotas(dataset: Dataset) -> tuple[QuotaSet | None, tuple]:
    """Quotas from history when asked for and the dataset has none, and the options as their
    identity; raises the error that stops them."""
    state = st.session_state
    if state.get(_key("quotas", "file"), NONE) != NONE or not state.get("crm_qh_on") or not dataset.quotas.empty:
        return None, ()
    options = tuple(tuple(v) if isinstance(v := state.get(k), list) else v for k in QH_KEYS)
    metrics = list(state["crm_qh_metrics"])
    try:
        ramp = [float(part) for part in str(state["crm_qh_ramp"]).split(",") if part.strip()]
    except ValueError:
        raise UsageError(Issue("ramp factors are numbers separated by commas, e.g. 0.25, 0.5, 0.75", path="ramp",
                               value=state["crm_qh_ramp"])) from None
    amounts = parse_amounts([p.strip() for p in str(state["crm_qh_amounts"]).split(",") if p.strip()],
                            metrics or ["bookings"], "amounts")
    result = api.quotas(
        dataset, str(state["crm_qh_start"]).strip() or None, metrics=metrics, method=state["crm_qh_method"],
        growth=float(state["crm_qh_growth"]), reach=float(state["crm_qh_reach"]), spread=state["crm_qh_spread"],
        amounts=amounts, ramp=ramp)
    return result, options


def _show_history_quotas(result: QuotaSet) -> None:
    """The method, notes and figures per role of quotas from history, and their files."""
    st.markdown(f"**Quotas from history.** {result.method_text()}")
    for note in result.notes:
        st.info(note)
    summary = result.summary()
    for column in ("total", "median", "lowest", "highest"):
        summary[column] = summary[column].map(quota_figure)
    st.dataframe(summary, hide_index=True)
    left, right = st.columns(2)
    left.download_button("Download quotas.csv", result.quotas.to_csv(index=False, lineterminator="\n"),
                         file_name="quotas.csv", mime="text/csv", key="crm_quotas_csv", on_click="ignore",
                         help="Put it in the export's folder: the CLI reads it as the quotas table.")
    right.download_button("Download quotas.note.md", result.note(), file_name="quotas.note.md",
                          mime="text/markdown", key="crm_quotas_note", on_click="ignore")


def _translations(export: Export, source: str, table: str) -> None:
    """Which values of the new-logo column mean a new logo; our name for each role."""
    frame = export.frame(source)
    if table == "deals":
        column = st.session_state.get(_key(table, "col", "new_logo"), NONE)
        if column != NONE:
            seen = _distinct(frame, column)
            key = _key(table, "new")
            st.session_state[key] = [v for v in st.session_state.get(key, [v for v in seen if NEW.search(v)])
                                     if v in seen]
            st.multiselect(f"Values of {column} that mean a new logo (the others do not)", seen, key=key)
    if table == "reps":
        column = st.session_state.get(_key(table, "col", "role"), NONE)
        if column != NONE:
            st.markdown(f"**Roles** (the plans' role names for the values of {column})")
            for value in _distinct(frame, column):
                st.session_state.setdefault(_key(table, "role", value), value)
                st.text_input(value, key=_key(table, "role", value))


def _result(export: Export) -> None:
    """Where the mapping stands: every problem, or the export as loaded (what the data says,
    quotas from history, the first rows); and the mapping to download."""
    problems: list[Issue] = []
    data = _mapping_from_choices(export, problems)
    if problems:
        show_errors("The mapping's boxes have errors", DataError(problems))
        return
    mapping = dataset = quotas = None
    options: tuple = ()
    ready = False
    try:
        mapping = load_mapping(data)
        dataset = export.load(mapping)
        quotas, options = _history_quotas(dataset)
        ready = True
    except DataError as exc:
        show_errors("The export does not load yet: fix these and it will", exc)
    except CompSimError as exc:
        show_errors("Quotas from history cannot be set", exc)
    if ready:
        if quotas is not None:
            dataset = api.with_quotas(dataset, quotas)
        label = "CRM export: " + ", ".join(name for name, _ in export.files)
        st.session_state["crm_dataset"] = (dataset, ("crm", export.identity, mapping_yaml(mapping), options), label)
        st.success(f"The export loads: {len(dataset.reps):,} reps, {len(dataset.deals):,} deals, "
                   f"{len(dataset.quotas):,} quota rows, {len(dataset.forecasts):,} forecast rows. "
                   "The pages below run on it.")
    if dataset is not None:
        for warning in dataset.warnings:
            st.info(warning)
    if quotas is not None:
        _show_history_quotas(quotas)
    if mapping is not None:
        st.session_state["crm_saved"] = (tuple(name for name, _ in export.files), mapping)
        st.download_button("Download mapping.yaml", mapping_yaml(mapping), file_name="mapping.yaml",
                           mime="application/yaml", key="crm_download", on_click="ignore",
                           help="comp-sim run --data FOLDER --mapping mapping.yaml reads the export the same way.")
        with st.expander("The mapping as YAML"):
            st.code(mapping_yaml(mapping), language="yaml")
    if st.session_state["crm_dataset"] is not None:
        with st.expander("The tables as loaded (first rows)"):
            for table in TABLES:
                frame = getattr(dataset, table)
                if len(frame):
                    st.caption(f"{table} ({len(frame):,} rows):")
                    st.dataframe(frame.head(PREVIEW_ROWS), hide_index=True)
