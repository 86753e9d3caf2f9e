"""The sidebar: which plans and programs, which data, how many Monte-Carlo trials, which
baseline; and the cached loads and runs every page reads. Pages never call the engine: they call
``run``.

Caching: a run is keyed on the plan and program texts (a program's with its plans'), the data's
identity, trials and seed, so a page switch or an unrelated widget costs nothing and a plan edit
re-runs only what changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from comp_sim import api
from comp_sim.api import (
    DATA_ROOT_VARIABLE,
    MAX_UPLOAD_MB,
    TABLES,
    CompSimError,
    Dataset,
    DataError,
    Issue,
    Mapping,
    Plan,
    PlanError,
    Program,
    printable,
)
from comp_sim.app.units import (PlanText, UnitText, bundled_units, display_name, is_program_text, parse_plan,
                                parse_unit, program_unit)

MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 2**20  # Streamlit's server.maxUploadSize: `comp-sim app` passes it
DATA_FORMATS = ("csv", "parquet", "xlsx")
SAMPLE, UPLOAD, FOLDER, SYNTHETIC = "Bundled sample", "Uploaded files", "Folder", "Synthetic"
CRM_EXPORT = "CRM export"  # mapped in the page by comp_sim.app.crm
DEFAULT_TRIALS = 1  # the data as it happened: the figures of the story the bundled sample tells
MONTE_CARLO_TRIALS = 500  # what "draw Monte-Carlo trials" asks for
MAX_TRIALS = 5000
IDLE_REPS_LABELS = {"inactive": "book nothing", "team": "book as their team does"}

KERNEL_SPINNER = ("Preparing the Monte-Carlo trial kernel: the first run on this machine compiles it "
                  "(some seconds, once), later runs load it from disk...")


@dataclass(frozen=True)
class Inputs:
    """What the sidebar chose: plans and programs (units) as texts and loaded, in order; the
    dataset and its identity; the run settings."""

    unit_texts: tuple[UnitText, ...]
    units: tuple[Program, ...]
    dataset: Dataset
    data_key: tuple
    data_label: str
    trials: int
    seed: int
    baseline: str
    idle_reps: str = "inactive"  # in trials around the data, reps without a deal: api.IDLE_REPS

    @property
    def names(self) -> dict[str, str]:
        """Unit id -> the name shown: its own, with its file when uploaded, and whether it is a
        plan or a program when two picked would read the same."""
        names = {u.id: display_name(u.name, t.name) for t, u in zip(self.unit_texts, self.units)}
        counts = {name: list(names.values()).count(name) for name in names.values()}
        return {uid: f"{name} ({t.kind})" if counts[name] > 1 else name
                for (uid, name), t in zip(names.items(), self.unit_texts)}

    @property
    def plan_texts(self) -> tuple[PlanText, ...]:
        """Every plan of the units once, in the order they first appear: (file name, text)."""
        texts = [t for unit in self.unit_texts for t in (unit.plans or [(unit.name, unit.text)])]
        return tuple(dict.fromkeys(texts))

    @property
    def plans(self) -> tuple[Plan, ...]:
        return tuple(parse_plan(text, name) for name, text in self.plan_texts)

    @property
    def plan_names(self) -> dict[str, str]:
        """Plan id -> the name shown, as for units."""
        return {parse_plan(text, name).id: display_name(parse_plan(text, name).plan, name)
                for name, text in self.plan_texts}

    @property
    def currency(self) -> str:
        """The currency money is shown in: the baseline's."""
        return self.unit(self.baseline).currency

    def unit(self, unit_id: str) -> Program:
        return next(u for u in self.units if u.id == unit_id)

    def unit_text(self, unit_id: str) -> UnitText:
        return next(t for t, u in zip(self.unit_texts, self.units) if u.id == unit_id)

    def plan(self, plan_id: str) -> Plan:
        return next(p for p in self.plans if p.id == plan_id)

    def plan_text(self, plan_id: str) -> PlanText:
        return next(t for t, p in zip(self.plan_texts, self.plans) if p.id == plan_id)


@st.cache_data(show_spinner="Loading the bundled sample data...")
def sample_dataset() -> Dataset:
    return api.load_data()


@st.cache_data(show_spinner="Generating synthetic reps and deals...")
def synthetic_dataset(reps: int, seed: int) -> Dataset:
    return api.synthesize(reps=reps, months=12, seed=seed)


@st.cache_data(show_spinner="Loading the data folder...")
def folder_dataset(folder: str, stamp: tuple) -> Dataset:
    """The data folder as loaded by the CLI; ``stamp`` (names, sizes, times) keys the cache."""
    return api.load_data(folder)


def data_root() -> Path:
    """The folder under which the Folder source may read: ``$COMP_SIM_DATA_ROOT``, or the
    folder the app was started in."""
    return Path(os.environ.get(DATA_ROOT_VARIABLE) or os.getcwd()).resolve()


def folder_in_root(typed: str, root: Path) -> Path:
    """The folder typed (relative to the root, or absolute), links followed; a folder outside
    the root is refused without saying whether it exists or what it holds."""
    path = (root / Path(typed).expanduser()).resolve()
    if not path.is_relative_to(root):
        raise DataError(Issue(f"the app reads data folders inside {root} only (its data root: "
                              "`comp-sim app --data-root FOLDER` sets it)", source=typed))
    return path


def _stamp(folder: Path) -> tuple:
    """The names, sizes and times of a folder's entries (links not followed): a data folder's
    cache key."""
    if not folder.is_dir():
        return ()
    return tuple((p.name, p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(folder.iterdir()))


def load_upload(files: list[tuple[str, bytes]], mapping: Mapping | None = None) -> Dataset:
    """Uploaded data files (``reps.csv``, ``deals.xlsx``, a workbook with a sheet per table, or
    an export's files read through ``mapping``) through the same loader and checks as the CLI's
    ``--data`` folder; raises DataError naming the uploaded file, line, column, value and rule."""
    issues = []
    for name, content in files:
        stem, _, suffix = name.rpartition(".")
        if suffix.lower() not in DATA_FORMATS:
            issues.append(Issue(f"a data file is {', '.join(DATA_FORMATS)}", source=name, value=suffix))
        elif mapping is None and suffix.lower() != "xlsx" and stem.strip().lower() not in TABLES:
            issues.append(Issue(f"a data file is named after its table: {', '.join(TABLES)}", source=name))
        if len(content) > MAX_UPLOAD_BYTES:
            issues.append(Issue(f"a data file is at most {MAX_UPLOAD_BYTES // 2**20} MB", source=name,
                                value=f"{len(content) / 2**20:.1f} MB"))
    if issues:
        raise DataError(issues)
    with tempfile.TemporaryDirectory(prefix="comp_sim_upload_") as folder:
        for name, content in files:
            (Path(folder) / Path(name).name).write_bytes(content)
        try:
            dataset = api.load_data(folder, mapping=mapping)
        except DataError as exc:
            raise DataError([replace(i, source=_uploaded_name(i.source, folder), message=_uploaded_name(i.message, folder))
                             for i in exc.issues], exc.total) from None
    names = ", ".join(name for name, _ in files)
    return replace(dataset, source=f"uploaded {names}",
                   files={t: _uploaded_name(f, folder) for t, f in dataset.files.items()},
                   warnings=tuple(_uploaded_name(w, folder) for w in dataset.warnings))


def _uploaded_name(source: str | None, folder: str) -> str | None:
    """A file's name as the user uploaded it, without the temporary folder it was read from."""
    return source.replace(folder + "/", "").replace(folder, "upload") if source else source


@st.cache_resource(show_spinner="Running the plans...", max_entries=16)
def run(unit_texts: tuple[UnitText, ...], data_key: tuple, trials: int, seed: int,
        _dataset: Dataset, idle_reps: str = "inactive") -> api.Simulation:
    """The plans and programs over the data, via the API; shared, not copied, across reruns
    (read-only).

    Payout detail is kept for the first trial only: statements and downloads read trial 0."""
    return api.simulate([parse_unit(unit) for unit in unit_texts], _dataset, trials=trials, seed=seed,
                        detail_trials=1, idle_reps=idle_reps)


def historical(inputs: Inputs) -> api.Simulation:
    """The units over the data as it happened (one trial): what a rep's statement explains."""
    return run(inputs.unit_texts, inputs.data_key, 1, 0, inputs.dataset)


def simulation(inputs: Inputs) -> api.Simulation:
    """The units over the sidebar's Monte-Carlo trials and seed."""
    return run(inputs.unit_texts, inputs.data_key, inputs.trials, inputs.seed, inputs.dataset, inputs.idle_reps)


def show_errors(title: str, error: CompSimError) -> None:
    """Every issue of an input error, one per line, as the CLI prints them: literally, in code
    spans (no markdown, emoji codes or line numbers read as ``:100:``), control characters
    written out."""
    st.error(f"**{title}**\n\n" + "\n".join(f"- {_code(printable(str(issue)))}" for issue in error.shown)
             + (f"\n\n... and {error.hidden} more {error.kind} error(s)" if error.hidden > 0 else ""))


def _code(text: str) -> str:
    """``text`` as one markdown code span, however many backticks it holds.

    >>> _code("a `b` c")
    '`` a `b` c ``'
    """
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    return f"{fence} {text} {fence}" if runs else f"`{text}`"


def sidebar() -> Inputs | None:
    """Draw the sidebar and return what it chose (None when no usable plan or data)."""
    st.session_state["input_errors"] = []
    with st.sidebar:
        st.subheader("Plans and programs")
        unit_texts = _unit_picker()
        st.subheader("Data")
        data = _data_picker()
        st.subheader("Run")
        trials = st.number_input("Monte-Carlo trials", min_value=1, max_value=MAX_TRIALS,
                                 value=DEFAULT_TRIALS, step=100, key="trials",
                                 help="1 replays the data as it happened; more draws trials around it.")
        seed = st.number_input("Seed", min_value=0, value=0, step=1, key="seed",
                               help="The same seed gives the same trials.")
        idle_reps = "inactive"
        if trials > 1:
            idle_reps = st.radio("Reps without a deal in the data", api.IDLE_REPS, key="idle_reps",
                                 format_func=IDLE_REPS_LABELS.get, horizontal=True,
                                 help="In the trials around the data: a rep with no deal of their own books "
                                      "nothing (say, a rep on leave), or as their team does (say, a new hire "
                                      "whose deals are not in the export yet).")
        if not unit_texts:
            st.warning("Pick at least one plan or program.")
            return None
        units = tuple(parse_unit(unit) for unit in unit_texts)
        try:
            api.load_units(units)  # the API's rule: ids unique, no two different plans of one id
        except CompSimError as exc:
            _report("The picked plans and programs cannot be compared together; pick fewer", exc)
            return None
        ids = [u.id for u in units]
        default = min(range(len(units)), key=lambda i: (min(p.start for p in units[i].plans), i))
        if st.session_state.get("baseline") not in ids:
            st.session_state["baseline"] = ids[default]
        names = {u.id: display_name(u.name, t.name) for t, u in zip(unit_texts, units)}
        baseline = st.selectbox("Baseline", ids, key="baseline", format_func=names.get,
                                help="Today's plan or program: what the others are compared with.")
    if data is None:
        return None
    if trials > 1:
        prepare_trials()
    dataset, data_key, label = data
    return Inputs(unit_texts, units, dataset, data_key, label, int(trials), int(seed), baseline, idle_reps)


def prepare_trials() -> None:
    """Monte-Carlo trials run a compiled kernel, which the first run on a machine compiles (numba
    then caches it on disk): show why the page waits rather than stall."""
    if not api.kernel_ready():
        with st.spinner(KERNEL_SPINNER):
            api.prepare_kernel()


def _unit_picker() -> tuple[UnitText, ...]:
    """Bundled programs and plans plus uploaded plan and program YAML (a program's plans found by
    file name among the bundled plans and the uploaded ones); a bad upload shows its errors and
    changes nothing. The app opens on the bundled programs."""
    bundled = bundled_units()
    uploaded: dict[str, UnitText] = st.session_state.setdefault("uploaded_units", {})
    files = st.file_uploader("Upload plan or program YAML", type=["yaml", "yml"], accept_multiple_files=True,
                             key="plan_upload", help="A program's plans are found by their file name among the "
                             "bundled plans and the plan files uploaded with it.")
    texts = [(file.name, text) for file in files or []
             if (text := _upload_text(file.name, file.getvalue())) is not None]
    plan_files = {t.name: t.text for t in [*bundled.values(), *uploaded.values()] if t.kind == "plan"}
    for name, text in sorted(texts, key=lambda upload: is_program_text(upload[1])):  # plans first
        kind = "program" if is_program_text(text) else "plan"
        try:
            unit = program_unit(name, text, plan_files) if kind == "program" else UnitText("plan", name, text)
            unit_id = parse_unit(unit).id
        except PlanError as exc:
            _report(f"{name} is not a valid {kind}; the current plans are kept", exc)
            continue
        if unit_id in bundled and (bundled[unit_id].text, bundled[unit_id].plans) != (unit.text, unit.plans):
            _report(f"{name} is not loaded; the current plans are kept", PlanError(Issue(
                f"id '{unit_id}' is a bundled {bundled[unit_id].kind}'s; give the uploaded {kind} its own id",
                source=name, path="id")))
            continue
        if kind == "plan":
            plan_files[name] = text
        if uploaded.get(unit_id) != unit:
            uploaded[unit_id] = unit
            st.session_state["plans"] = [*st.session_state.get("plans", _opening(bundled)), unit_id]  # compared at once
    options = {**bundled, **uploaded}
    names = {uid: _option_name(unit) for uid, unit in options.items()}
    st.session_state.setdefault("plans", _opening(bundled))
    picked = st.multiselect("Plans and programs to compare", list(options), key="plans", format_func=names.get)
    return tuple(options[uid] for uid in picked)


def _opening(bundled: dict[str, UnitText]) -> list[str]:
    """What the app opens on: the bundled programs (today's plan for everyone, and the plan per role)."""
    return [uid for uid, unit in bundled.items() if unit.kind == "program"]


def _option_name(unit: UnitText) -> str:
    loaded = parse_unit(unit)
    if unit.kind == "plan":
        return f"{display_name(loaded.name, unit.name)} · plan"
    count = len(loaded.plans)
    return f"{display_name(loaded.name, unit.name)} · program of {count} plan{'s' if count > 1 else ''}"


def _upload_text(name: str, content: bytes) -> str | None:
    """An uploaded YAML file's text, or None after reporting why it cannot be read."""
    try:
        if len(content) > MAX_UPLOAD_BYTES:
            raise PlanError(Issue(f"a plan file is at most {MAX_UPLOAD_BYTES // 2**20} MB", source=name))
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        _report(f"{name} is not a valid plan; the current plans are kept", PlanError(
            Issue(f"a plan file is UTF-8 text ({exc.reason} at byte {exc.start})", source=name)))
    except PlanError as exc:
        _report(f"{name} is not a valid plan; the current plans are kept", exc)
    return None


def _data_picker() -> tuple[Dataset, tuple, str] | None:
    """The dataset chosen, its cache identity and a label; errors are shown in the page."""
    source = st.radio("Source", [SAMPLE, UPLOAD, CRM_EXPORT, FOLDER, SYNTHETIC], key="data_source",
                      help="Uploads and folders are checked with the same rules as the CLI; a CRM export is "
                           "uploaded and mapped in the page.")
    try:
        if source == CRM_EXPORT and st.session_state.get("crm_dataset") is not None:
            return st.session_state["crm_dataset"]
        if source == SYNTHETIC:
            reps = st.number_input("Synthetic reps", min_value=5, max_value=2000, value=80, step=10,
                                   key="synth_reps")
            seed = st.number_input("Synthetic data seed", min_value=0, value=0, step=1, key="synth_seed")
            return synthetic_dataset(int(reps), int(seed)), ("synthetic", int(reps), int(seed)), \
                f"synthetic: {int(reps)} reps, seed {int(seed)}"
        if source == FOLDER:
            root = data_root()
            folder = st.text_input(f"Data folder, in {root}", key="data_folder", placeholder="crm-export")
            if folder:
                path = folder_in_root(folder, root)
                stamp = _stamp(path)
                return folder_dataset(str(path), stamp), ("folder", str(path), stamp), str(path)
        if source == UPLOAD:
            files = st.file_uploader("Data files (reps, quotas, deals, forecasts, mbo)",
                                     type=list(DATA_FORMATS), accept_multiple_files=True, key="data_upload")
            if files:
                contents = [(f.name, f.getvalue()) for f in files]
                digest = hashlib.sha256(b"".join(n.encode() + b"\0" + c for n, c in contents)).hexdigest()
                if st.session_state.get("upload_digest") != digest:
                    st.session_state["upload_digest"] = digest
                    st.session_state["upload_dataset"] = load_upload(contents)
                return st.session_state["upload_dataset"], ("upload", digest), \
                    "uploaded: " + ", ".join(n for n, _ in contents)
        if source != SAMPLE:
            st.caption("Until then the bundled sample is used.")
        return sample_dataset(), ("sample",), "bundled sample"
    except DataError as exc:
        st.session_state["upload_digest"] = None
        _report("The data could not be loaded; the bundled sample is used meanwhile", exc)
        st.caption("The data has errors (shown on the page); the bundled sample is used meanwhile.")
        return _fallback_sample()


def _fallback_sample() -> tuple[Dataset, tuple, str] | None:
    try:
        return sample_dataset(), ("sample",), "bundled sample"
    except DataError as exc:
        _report("The bundled sample data could not be loaded", exc)
        return None


def _report(title: str, error: CompSimError) -> None:
    """Keep an input error of this run for the page to show (the sidebar is too narrow)."""
    st.session_state["input_errors"].append((title, error))


def page_errors() -> None:
    """Errors of the sidebar's inputs in this run, shown at the top of the page."""
    for title, error in st.session_state.get("input_errors", []):
        show_errors(title, error)
