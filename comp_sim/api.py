"""The Python API: load_plan, load_data, synthesize, simulate, compare, explain, and plan insight
(lint, gaming, sensitivity); also importable from ``comp_sim`` itself.

The CLI and the app call these and nothing deeper, so what a user sees is what the tests check.
For example, ``simulate(["plans/current-2026.yaml", "plans/balanced-2027.yaml"]).summary``
compares today's plan with a proposal on the bundled sample data.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import numpy as np
import pandas as pd

from comp_sim.data.dataset import COLUMNS, REQUIRED, TABLES, Dataset, normalize
from comp_sim.data.loader import load_data as _load_data
from comp_sim.data.loader import read_export_file, sheet_names
from comp_sim.data.mapping import Mapping, guess_columns, load_mapping, mapping_yaml, with_history_before
from comp_sim.data.quotas import (DEFAULT_REACH, METHODS as QUOTA_METHODS, METRICS as QUOTA_METRICS,
                                  SPREADS as QUOTA_SPREADS, QuotaSet, check_options as check_quota_options,
                                  parse_amounts, quota_figure, quotas_from_history)
from comp_sim.data.write import write_dataset, write_quotas
from comp_sim.engine.compile import compile_plan
from comp_sim.engine.distributed import Scheduler, open_cluster
from comp_sim.engine.results import PlanResult
from comp_sim.engine.simulate import HistoricalSource, Progress, TrialSource, run_plans
from comp_sim.errors import CompSimError, DataError, Issue, PlanError, UsageError
from comp_sim.insight.behaviours import BEHAVIOURS, rep_behaviours
from comp_sim.insight.behaviours import who_wins as _who_wins
from comp_sim.insight.calibrate import LEVERS, Calibration, cost_target
from comp_sim.insight.calibrate import calibrate as _calibrate
from comp_sim.insight.gaming import gaming_report
from comp_sim.insight.lint import PlanWarning, lint_plan, render_warnings
from comp_sim.insight.sensitivity import DEFAULT_SHIFTS, DIMENSIONS, elasticity
from comp_sim.insight.sensitivity import sensitivity as _sensitivity
from comp_sim.limits import (DATA_ROOT_VARIABLE, MAX_REP_TRIALS, MAX_SYNTH_DATA_REPS, MAX_SYNTH_MONTHS,
                              MAX_SYNTHETIC_REPS, MAX_TRIALS, MAX_UPLOAD_MB)
from comp_sim.output import (
    FORMATS,
    check_output_apart,
    check_output_file,
    check_output_folder,
    printable,
    write_folder_atomic,
    write_text_atomic,
)
from comp_sim.periods import PLAN_YEAR_MONTHS, month_ordinals
from comp_sim.plan.loader import PlanSource, load_plan, safe_yaml
from comp_sim.plan.models import Plan, position
from comp_sim.plan.reference import schema_text
from comp_sim.plan.program import Program, ProgramSource, load_program, load_unit
from comp_sim.report.compare import Comparison, compare_units
from comp_sim.report.programs import ProgramResult, program_results
from comp_sim.report.curves import pay_curve_points
from comp_sim.report.explain import Statement, statement
from comp_sim.report.export import WORKBOOK, write_results
from comp_sim.report.lines import quiet_lines
from comp_sim.report.simulation import Simulation
from comp_sim.safe_yaml import parse_yaml, plain
from comp_sim.synth import MonteCarloSource, synthesize, synthesize_trials
from comp_sim.synth.trials import IDLE_REPS, IdleReps, kernel_ready, prepare_kernel

ROOT = Path(__file__).resolve().parent.parent
PLANS_DIR = ROOT / "plans"
PROGRAMS_DIR = ROOT / "programs"
SAMPLE_DATA_DIR = ROOT / "data" / "sample"

DataSource = Dataset | str | Path | dict
HISTORY_MONTHS = 12  # months of account history before a plan year that derived new logos need


def _check_work(trials: int, reps: int, *, synthetic: bool = False) -> None:
    """Refuse a run larger than limits allow (trials, synthetic reps, reps x trials)."""
    issues = []
    if trials > MAX_TRIALS:
        issues.append(Issue(f"at most {MAX_TRIALS:,} Monte-Carlo trials a run", path="trials", value=trials))
    if synthetic and reps > MAX_SYNTHETIC_REPS:
        issues.append(Issue(f"at most {MAX_SYNTHETIC_REPS:,} synthetic reps", path="synthetic", value=reps))
    if not issues and reps * trials > MAX_REP_TRIALS:
        issues.append(Issue(f"reps x trials is at most {MAX_REP_TRIALS:,} a run (a run keeps every trial's "
                            "total per rep); run fewer trials or split the reps", path="trials",
                            value=f"{reps:,} x {trials:,}"))
    if issues:
        raise UsageError(issues)


def bundled_plan_paths() -> list[Path]:
    """The plans shipped in ``plans/``, sorted by file name."""
    return sorted(PLANS_DIR.glob("*.yaml"))


def bundled_program_paths() -> list[Path]:
    """The programs shipped in ``programs/``, sorted by file name."""
    return sorted(PROGRAMS_DIR.glob("*.yaml"))


def load_program_text(text: str, name: str, plan_files: dict[str, str]) -> Program:
    r"""A program from its text (an uploaded file, say) whose ``plans`` entries are found by file
    name among ``plan_files`` (the name a plan is known by, such as ``plans/hunter-2027.yaml``
    -> its YAML text; of two with the same file name the last counts) rather than on disk. A
    missing plan is an error naming the program file, the entry's line and key path and the
    plan; everything else is checked as ``load_program`` checks a program file.

    >>> hunter = (PLANS_DIR / "hunter-2027.yaml").read_text()
    >>> text = "program: Hunters\nid: hunters\nplans: [../plans/hunter-2027.yaml]\n"
    >>> [p.source for p in load_program_text(text, "hunters.yaml", {"plans/hunter-2027.yaml": hunter}).plans]
    ['plans/hunter-2027.yaml']
    """
    tree = safe_yaml(text, name, "program")
    entries = tree.get("plans") if isinstance(tree, dict) else None
    entries = [(i, e) for i, e in enumerate(entries) if isinstance(e, str)] if isinstance(entries, list) else []
    known = {PurePosixPath(key).name: key for key in plan_files}
    issues = []
    for index, entry in entries:
        where = dict(zip(("line", "column"), position(tree, ("plans", index))))
        parts = PurePosixPath(os.path.normpath(entry)).parts
        if PurePosixPath(entry).is_absolute():
            issues.append(Issue("a program names its plans by file name or by a path relative to it", source=name,
                                path=f"plans[{index}]", value=entry, **where))
        elif len(entry) > 1024 or len(parts) > 32 or any(len(part.encode()) > 255 for part in parts):
            issues.append(Issue("a plan's path in a program is at most 1,024 characters and 32 folders, each name at "
                                "most 255 bytes", source=name, path=f"plans[{index}]", value=entry[:80], **where))
        elif PurePosixPath(entry).name not in known:
            issues.append(Issue(f"no plan file named '{PurePosixPath(entry).name}' (the plans: "
                                f"{', '.join(sorted(known)) or 'none'})", source=name, path=f"plans[{index}]",
                                value=entry, **where))
    if issues:
        raise PlanError(issues)
    with tempfile.TemporaryDirectory(prefix="comp_sim_program_") as folder:
        # the program sits as deep as its entries climb, so each entry finds its plan inside the folder
        climb = max((os.path.normpath(e).split("/").count("..") for _, e in entries), default=0)
        program_path = Path(folder, *["program"] * climb, "program file")
        program_path.parent.mkdir(parents=True, exist_ok=True)
        program_path.write_text(text, encoding="utf-8")
        names = {str(program_path): name}
        for _, entry in entries:
            plan_path = Path(os.path.normpath(program_path.parent / entry))
            plan_path.parent.mkdir(parents=True, exist_ok=True)
            plan_path.write_text(plan_files[known[plan_path.name]], encoding="utf-8")
            names[str(plan_path)] = known[plan_path.name]
        try:
            program = load_program(program_path)
        except PlanError as exc:
            raise PlanError([_renamed(issue, names) for issue in exc.issues]) from None
    plans = tuple(load_plan(plan_files[known[Path(plan.source).name]], name=known[Path(plan.source).name])
                  for plan in program.plans)
    return replace(program, plans=plans, source=name)


def _renamed(issue: Issue, names: dict[str, str]) -> Issue:
    """An issue naming files as the user knows them rather than where they were read from."""
    source, message = issue.source, issue.message
    for path, name in sorted(names.items(), key=lambda item: -len(item[0])):
        source = name if source == path else source
        message = message.replace(path, name)
    return replace(issue, source=source, message=message)


def load_plans(sources: Sequence[PlanSource]) -> list[Plan]:
    """Plans from files, text or dicts; ids must be unique among them."""
    return [unit.plans[0] for unit in load_units(sources, programs=False)]


def load_units(sources: Sequence[PlanSource | ProgramSource], *, programs: bool = True) -> list[Program]:
    """What is compared: plans and program files (a plan alone is a one-plan program). Ids are
    unique among them; a plan may be in several programs, but two different plans may not share
    an id."""
    units = [load_unit(source) if programs else Program.of_plan(load_plan(source)) for source in sources]
    issues = []
    seen: dict[str, int] = {}
    for index, unit in enumerate(units):
        if unit.id in seen:
            issues.append(Issue(f"plan id '{unit.id}' is loaded twice (plans {seen[unit.id] + 1} "
                                f"and {index + 1}); ids must be unique", path="id"))
        seen[unit.id] = index
    plans: dict[str, Plan] = {}
    for unit in units:
        for plan in unit.plans:
            if plan.id in plans and plans[plan.id] != plan:
                issues.append(Issue(f"two different plans have the id '{plan.id}' ({plans[plan.id].source} and "
                                    f"{plan.source}); ids must be unique", path="id"))
            plans.setdefault(plan.id, plan)
    if issues:
        raise UsageError(issues)
    if not units:
        raise UsageError("give at least one plan")
    return units


def plans_of(units: Sequence[Program]) -> list[Plan]:
    """Every plan of the units, once, in the order they first appear."""
    return list({plan.id: plan for unit in units for plan in unit.plans}.values())


def load_data(source: DataSource | None = None, mapping: Any = None, pairs: Sequence[str] = (),
              history_before: str | None = None) -> Dataset:
    """A validated dataset from a folder, files or DataFrames (default: the bundled sample),
    renamed by a column mapping (a file, a dict) and ``table.column=Column`` pairs; deals closed
    before ``history_before`` (YYYY-MM-DD) only decide which accounts are new."""
    if isinstance(source, Dataset):
        return source
    loaded = load_mapping(mapping, pairs)
    if history_before is not None:
        loaded = with_history_before(loaded, history_before)
    return _load_data(SAMPLE_DATA_DIR if source is None else source, mapping=loaded)


def simulate(
    plans: Sequence[PlanSource],
    data: DataSource | None = None,
    *,
    trials: int | None = None,
    seed: int = 0,
    synthetic: int | None = None,
    detail_trials: int | None = None,
    progress: Progress | None = None,
    idle_reps: IdleReps = "inactive",
    scheduler: Scheduler = None,
) -> Simulation:
    """Run plans (and programs: plan sets paying a whole team) over data and return the SPEC
    tables; ``plans`` may name program files beside plan files.

    ``data`` (a Dataset, a folder or a dict of tables; None means the bundled sample) with
    ``trials`` None or 1 replays history. ``trials`` > 1 draws Monte-Carlo trials around the
    data's reps, where a rep without a deal in the data books nothing unless ``idle_reps`` is
    ``"team"`` (then it books at its team's level). ``synthetic=N`` draws ``trials`` (default
    1000) trials of N synthetic reps over the plan year of the latest plan start, so earlier
    plans replay on it.

    ``scheduler`` runs the trials' chunks on a Dask cluster, with the same numbers to the cent:
    ``"local:N"`` (N worker processes on this machine), a scheduler's address
    (``"tcp://host:8786"``), or a connected ``distributed.Client``.
    """
    units = load_units(plans)
    loaded = plans_of(units)
    if trials is not None and trials <= 0:
        raise UsageError(Issue("trials must be a whole number above 0", path="trials", value=trials))
    if synthetic is not None and data is not None:
        raise UsageError(Issue("give data or synthetic, not both", path="synthetic", value=synthetic))
    dataset = None
    source: TrialSource
    if synthetic is not None:
        _check_work(trials or 1000, synthetic, synthetic=True)
        start = max(plan.start for plan in loaded)
        source = MonteCarloSource.synthetic(synthetic, trials or 1000, seed, start)
    else:
        dataset = load_data(data)
        if trials is None or trials == 1:
            source = HistoricalSource(dataset)
        else:
            _check_work(trials, len(dataset.reps))
            source = MonteCarloSource.from_dataset(dataset, trials, seed, idle_reps=idle_reps)
    with open_cluster(scheduler) as cluster:
        results = run_plans(loaded, source, detail_trials=detail_trials, progress=progress, cluster=cluster)
    _finite_totals(results)
    programs = program_results(units, results, source.reps)
    notes = _notes(results, programs, dataset)
    if isinstance(source, MonteCarloSource) and dataset is not None and (idle := int(dataset.idle_sellers().sum())):
        notes.append(f"{idle:,} rep(s) without a deal in the data (and no team to manage) "
                     + ("book at their team's level in the trials (idle_reps=team)" if idle_reps == "team" else
                        "book nothing in the trials (--idle-reps team, or idle_reps='team', gives them their "
                        "team's level)"))
    return Simulation(results, source.trials, seed, source.label, notes, programs)


def _finite_totals(results: list[PlanResult]) -> None:
    """Every payout a run reports is a finite number: plan and data numbers are bounded, but
    rates, multipliers and amounts multiply (thirty multipliers of 1e12 make 1e360, which a
    64-bit float holds as inf), so such a run fails rather than report inf or NaN."""
    issues = []
    for result in results:
        broken = ~np.isfinite(result.paid)
        if not broken.any():
            continue
        trial, rep = (int(i) for i in np.argwhere(broken)[0])
        components = [c for c, total in zip(result.component_ids, result.rep_component_sum[rep])
                      if not np.isfinite(total)]
        where = f"rep {result.roster.rep_ids[rep]}" + (f", trial {trial}" if result.trials > 1 else "")
        issues.append(Issue(f"payouts are not finite numbers ({result.paid[trial, rep]} for {where}, "
                            f"component {', '.join(components) or '?'}): the plan's rates, multipliers and "
                            "amounts multiply past what a 64-bit number holds", source=result.plan.source))
    if issues:
        raise PlanError(issues)


def compare(simulation: Simulation, baseline: str | None = None) -> Comparison:
    """Plans or programs side by side against ``baseline`` (default: the first): cost, its
    change over the reps both cover, cost of sales, payout % of TI, and per rep the winners and
    losers."""
    baseline = baseline or simulation.units[0].id
    simulation.unit(baseline)  # raises a UsageError naming the plans and programs when unknown
    return compare_units(simulation.units, baseline)


def who_wins(simulation: Simulation, data: DataSource | None = None, *, baseline: str | None = None,
             proposal: str | None = None) -> pd.DataFrame:
    """Who wins and why: per behaviour a plan sets out to reward (new logos, strategic mix,
    forecast accuracy, little discounting), the mean of the reps ``proposal`` pays more than
    ``baseline`` and of those it pays less, read from ``data`` (the data ``simulation`` ran on;
    the bundled sample by default), and whether the winners show more of what is rewarded."""
    comparison = compare(simulation, baseline)
    proposal = proposal or next((u.id for u in simulation.units if u.id != comparison.baseline), comparison.baseline)
    unit = simulation.unit(proposal)
    reps = comparison.reps[comparison.reps["plan"] == proposal]
    behaviours = rep_behaviours(load_data(data), unit.results[0].start, list(unit.program.plans))
    return _who_wins(reps, behaviours)


def explain(plan: PlanSource | ProgramSource, data: DataSource | None = None, rep_id: str = "", *,
            simulation: Simulation | None = None, trial: int = 0) -> Statement:
    """A rep's statement under a plan (or under the plan of a program that pays the rep), line by
    line (metric -> curve -> gate -> multiplier -> true-up -> cap -> paid). Pass ``simulation``
    to read it from a run already made."""
    by_id = isinstance(plan, str) and "\n" not in plan and not plan.endswith((".yaml", ".yml"))
    unit = None if by_id else load_unit(plan)
    if simulation is None:
        simulation = simulate([unit], data)
    if unit is None or unit.single:
        return statement(simulation.result(unit.id if unit is not None else str(plan)), rep_id, trial)
    payer = {p.id: p for p in unit.plans}
    reps = simulation.unit(unit.id).reps if unit.id in {u.id for u in simulation.units} else None
    if reps is None:
        results = [simulation.result(plan_id) for plan_id in payer]
        reps = pd.concat([r.reps.assign(plan=r.plan.id) for r in results], ignore_index=True)
    mine = reps[reps["rep_id"] == rep_id]
    if mine.empty:
        ids = reps["rep_id"].tolist()
        hint = ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else "")
        raise UsageError(Issue(f"no rep '{rep_id}' is paid by a plan of program {unit.id} "
                               f"(its reps: {hint or 'none'})", path="rep"))
    return statement(simulation.result(mine["plan"].iloc[0]), rep_id, trial)


def lint(plan: PlanSource, population: Simulation | None | Literal[False] = None,
         data: DataSource | None = None) -> list[PlanWarning]:
    """Warnings on what a plan invites reps to do (cliffs, uncapped exposure, discounting, ...),
    each with the key path and line, the behaviour, a fix and figures from the engine.

    The figures are worked out on ``population`` (a run of the plan), else on a run over
    ``data`` (the bundled sample by default); ``population=False`` skips the checks that need
    one."""
    loaded = load_plan(plan)
    if population is False:
        return lint_plan(loaded)
    skipped = ""
    if population is None:
        population, skipped = _population(loaded, data)
    return lint_plan(loaded, population, skipped)


def _population(plan: Plan, data: DataSource | None) -> tuple[Simulation | None, str]:
    """A run of the plan over the data, or None and why not."""
    where = "the bundled sample" if data is None else "the data"
    try:
        dataset = load_data(data)
    except (DataError, UsageError, OSError) as exc:
        if data is not None:
            raise
        return None, f"the bundled sample data could not be loaded ({str(exc).splitlines()[0]})"
    if not dataset.reps["role"].astype(str).isin(list(plan.roles)).any():
        return None, f"{where} has no rep of roles {', '.join(plan.roles)}"
    try:
        return simulate([plan], dataset), ""
    except DataError as exc:
        return None, f"the plan cannot run on {where} ({str(exc).splitlines()[0]})"


def gaming(plan: PlanSource | ProgramSource, data: DataSource | None = None, seed: int = 0, *,
           scheduler: Scheduler = None) -> pd.DataFrame:
    """Per gaming strategy (pull, push, sandbag, discount, split): who gains, how much, at what
    cost; for a program, per plan of it (a ``plan`` column says which). ``scheduler`` as for
    ``simulate``."""
    unit, dataset = load_unit(plan), load_data(data)
    with open_cluster(scheduler) as cluster:
        return pd.concat([gaming_report(p, dataset, seed, cluster) for p in unit.plans], ignore_index=True)


def sensitivity(plans: Sequence[PlanSource], data: DataSource | TrialSource | None = None,
                shifts: Sequence[float] = DEFAULT_SHIFTS, *, scheduler: Scheduler = None,
                **options: Any) -> pd.DataFrame:
    """Cost and payout % of TI as team attainment, product mix or new logos shift;
    ``scheduler`` as for ``simulate``."""
    source = data if hasattr(data, "chunk_sizes") else load_data(data)  # type: ignore[arg-type]
    units = load_units(plans)
    with open_cluster(scheduler) as cluster:
        return _sensitivity(units, source, shifts, cluster=cluster, **options)


def calibrate(plan: PlanSource | ProgramSource, *, lever: str = "rates", cost_neutral_to: Any = None,
              budget: float | None = None, pay_at_quota: float | None = None, data: DataSource | None = None,
              trials: int | None = None, seed: int = 0, idle_reps: IdleReps = "inactive",
              texts: dict[str, str] | None = None, on_step: Any = None, scheduler: Scheduler = None) -> Calibration:
    """Solve one scale on a lever (``ti``, ``rates``, ``upside``) of a plan or of every plan of a
    program so that its mean cost over the data (or ``trials`` Monte-Carlo trials around it)
    meets a target within 0.1%: the cost of the plan or program ``cost_neutral_to``, a
    ``budget``, or a ``pay_at_quota`` (payout % of TI of reps within 5% of quota). Returns the
    scale, the figure reached, the calibrated plans and their YAML (comments and key order kept;
    ``texts`` gives plan texts by id when the plans were not read from files) and the guard
    figures before and after. ``idle_reps`` and ``scheduler`` as for ``simulate``: every run of
    the search goes to the scheduler, over trials sent to its workers once."""
    unit = load_unit(plan)
    dataset = load_data(data)
    if trials is not None and trials <= 0:
        raise UsageError(Issue("trials must be a whole number above 0", path="trials", value=trials))
    _check_work(trials or 1, len(dataset.reps))
    source: TrialSource = (HistoricalSource(dataset) if trials is None or trials == 1
                           else MonteCarloSource.from_dataset(dataset, trials, seed, idle_reps=idle_reps))
    reference = None if cost_neutral_to is None else load_unit(cost_neutral_to)
    with open_cluster(scheduler) as cluster:
        baseline = None
        if reference is not None:
            baseline = program_results([reference], run_plans(list(reference.plans), source, cluster=cluster),
                                       source.reps)[0]
        target = cost_target(baseline, budget, pay_at_quota, unit.currency)
        return _calibrate(unit, target, lever, source, baseline, texts, on_step, cluster)


def write_calibrated(calibration: Calibration, out: Path | str, *, force: bool = False) -> list[Path]:
    """Write a calibration: the plan file, or for a program a folder of its calibrated plans and
    a program file naming them; returns what was written."""
    out = Path(out)
    unit = calibration.unit
    if len(unit.plans) == 1 and unit.single:
        check_output_file(out, force)
        write_text_atomic(out, calibration.yaml[unit.plans[0].id])
        return [out]
    names = {plan.id: f"{plan.id}.yaml" for plan in unit.plans}

    def fill(folder: Path) -> None:
        for plan_id, text in calibration.yaml.items():
            (folder / names[plan_id]).write_text(text, encoding="utf-8")
        header = calibration.yaml[unit.plans[0].id].splitlines()[0] + "\n"  # what was solved
        plans = "".join(f"  - {names[plan.id]}\n" for plan in unit.plans)
        (folder / f"{unit.id}.yaml").write_text(
            f"{header}program: {unit.name}\nid: {unit.id}\n"
            + (f"description: {unit.description}\n" if unit.description else "") + f"plans:\n{plans}",
            encoding="utf-8")

    write_folder_atomic(out, force, fill)
    return sorted(out.iterdir())


def statement_html(statement: Statement) -> str:
    """A printable one-page HTML statement, self-contained, to send to the rep."""
    return statement.html()


def quotas(data: DataSource | None = None, start: str | None = None, **options: Any) -> QuotaSet:
    """Quotas from history (SPEC "Quotas from history") for the plan year from ``start``:
    ``method`` trailing (own history x (1 + growth)), percentile (the level ``reach`` of each
    role's reps reached) or uniform (``amounts`` per role); ``spread`` even or seasonal; ``ramp``
    factors for new hires. ``.quotas`` is the table, ``.note()`` the method and every figure;
    ``write_quotas(result, "export/quotas.csv")`` writes both."""
    return quotas_from_history(load_data(data), start, **options)


def with_quotas(dataset: Dataset, quota_set: QuotaSet) -> Dataset:
    """The dataset with the quotas set from history as its quotas table."""
    return replace(dataset, quotas=normalize("quotas", quota_set.quotas), given=dataset.given | {"quotas"})


def _deals_outside(dataset: Dataset, result: PlanResult) -> int:
    """Deal rows of the plan's reps that close outside the plan year the plan ran on."""
    deals = dataset.deals
    offset = month_ordinals(deals["close_date"]) - result.start.ordinal
    covered = deals["rep_id"].isin(result.roster.rep_ids).to_numpy()
    return int((covered & ((offset < 0) | (offset >= PLAN_YEAR_MONTHS))).sum())


def _reads_new_logos(result: PlanResult) -> bool:
    """Whether any measure the plan reads counts or sums new-logo deals."""
    deal_measures = compile_plan(result.plan, result.start).needs.deal_measures
    return any(column == "new_logo" for measure in deal_measures for column, _ in measure.where)


def _history_note(dataset: Dataset, result: PlanResult) -> str | None:
    """How many months of account history precede the plan year, where new logos are derived."""
    if dataset.account_history is None or not _reads_new_logos(result):
        return None
    months = max(0, result.start - dataset.account_history)
    note = (f"{result.plan.id}: new logos are derived from account history (a deal without a new_logo flag is "
            f"new-logo when it is its account's first in the data): {months} month(s) of deals precede its "
            f"plan year {result.start}")
    if months < HISTORY_MONTHS:
        note += (f"; with fewer than {HISTORY_MONTHS}, an account that bought before the data begins counts as a "
                 "new logo: export more history (deals.history_before in the mapping, or --history-before, "
                 "keeps it out of the run) or map a new_logo column")
    return note


def _notes(results: list[PlanResult], programs: list[ProgramResult], dataset: Dataset | None) -> list[str]:
    notes = []
    for result in results:
        if result.replayed:
            notes.append(f"{result.plan.id} names the plan year from {result.plan.start}; "
                         f"it ran on the data's plan year {result.start}..{result.start + 11}")
        if not len(result.roster.rep_ids):
            roles = ", ".join(result.plan.roles)
            notes.append(f"{result.plan.id} covers no rep of the data (its roles: {roles})")
        if dataset is not None and (outside := _deals_outside(dataset, result)):
            notes.append(f"{result.plan.id}: {outside:,} deal row(s) of its reps close outside its plan "
                         f"year {result.start}..{result.start + 11} and are not counted")
        if dataset is not None and (history := _history_note(dataset, result)):
            notes.append(history)
    for program in programs:
        if not program.program.single and len(program.uncovered):
            roles = ", ".join(sorted(program.uncovered["role"].astype(str).unique()))
            notes.append(f"{program.id}: {len(program.uncovered):,} rep(s) of the data are paid by none of its "
                         f"plans (roles: {roles})")
    if dataset is not None:
        notes += list(dataset.warnings)
    return notes


__all__ = [
    "load_plan", "load_plans", "load_program", "load_program_text", "load_units", "load_data", "load_mapping", "synthesize", "synthesize_trials", "write_dataset",
    "kernel_ready", "prepare_kernel", "MAX_SYNTH_DATA_REPS", "MAX_SYNTH_MONTHS",
    "simulate", "compare", "who_wins", "explain", "calibrate", "write_calibrated", "statement_html", "lint", "render_warnings", "gaming", "sensitivity",
    "elasticity", "write_results", "schema_text", "pay_curve_points", "quiet_lines", "check_output_folder",
    "check_output_file", "check_output_apart", "printable", "write_text_atomic", "bundled_plan_paths", "bundled_program_paths", "Simulation", "Comparison", "Statement",
    "PlanWarning", "Plan", "Program", "Dataset", "TABLES", "DIMENSIONS", "FORMATS", "WORKBOOK", "PLANS_DIR", "PROGRAMS_DIR",
    "SAMPLE_DATA_DIR", "DATA_ROOT_VARIABLE", "MAX_UPLOAD_MB", "LEVERS", "BEHAVIOURS", "Calibration", "CompSimError",
    "PlanError", "DataError", "UsageError", "Issue",
    "quotas", "write_quotas", "with_quotas", "QuotaSet", "QUOTA_METHODS", "QUOTA_METRICS", "QUOTA_SPREADS",
    "DEFAULT_REACH", "check_quota_options", "parse_amounts", "quota_figure", "IDLE_REPS", "Mapping", "COLUMNS",
    "REQUIRED", "guess_columns", "mapping_yaml", "read_export_file", "sheet_names", "parse_yaml", "plain",
]
