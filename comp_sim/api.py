"""The Python API: load_plan, load_data, synthesize, simulate, compare, explain, and plan insight
(lint, gaming, sensitivity); also importable from ``comp_sim`` itself.

The CLI and the app call these and nothing deeper, so what a user sees is what the tests check.
For example, ``simulate(["plans/current-2026.yaml", "plans/balanced-2027.yaml"]).summary``
compares today's plan with a proposal on the bundled sample data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from comp_sim.data.dataset import TABLES, Dataset
from comp_sim.data.loader import load_data as _load_data
from comp_sim.data.mapping import load_mapping
from comp_sim.data.write import write_dataset
from comp_sim.engine.results import PlanResult
from comp_sim.engine.simulate import HistoricalSource, Progress, TrialSource, run_plans
from comp_sim.errors import CompSimError, DataError, Issue, PlanError, UsageError
from comp_sim.insight.gaming import gaming_report
from comp_sim.insight.lint import PlanWarning, lint_plan, render_warnings
from comp_sim.insight.sensitivity import DEFAULT_SHIFTS, DIMENSIONS, elasticity
from comp_sim.insight.sensitivity import sensitivity as _sensitivity
from comp_sim.output import FORMATS, check_output_file, check_output_folder, write_text_atomic
from comp_sim.periods import PLAN_YEAR_MONTHS, month_ordinals
from comp_sim.plan.loader import PlanSource, load_plan
from comp_sim.plan.models import Plan
from comp_sim.plan.reference import schema_text
from comp_sim.report.compare import Comparison, compare_results
from comp_sim.report.curves import pay_curve_points
from comp_sim.report.explain import Statement, statement
from comp_sim.report.export import WORKBOOK, write_results
from comp_sim.report.lines import quiet_lines
from comp_sim.report.simulation import Simulation
from comp_sim.synth import MonteCarloSource, synthesize, synthesize_trials
from comp_sim.synth.trials import kernel_ready, prepare_kernel

ROOT = Path(__file__).resolve().parent.parent
PLANS_DIR = ROOT / "plans"
SAMPLE_DATA_DIR = ROOT / "data" / "sample"

DataSource = Dataset | str | Path | dict


def bundled_plan_paths() -> list[Path]:
    """The plans shipped in ``plans/``, sorted by file name."""
    return sorted(PLANS_DIR.glob("*.yaml"))


def load_plans(sources: Sequence[PlanSource]) -> list[Plan]:
    """Plans from files, text or dicts; ids must be unique among them."""
    plans = [load_plan(source) for source in sources]
    seen: dict[str, int] = {}
    issues = []
    for index, plan in enumerate(plans):
        if plan.id in seen:
            issues.append(Issue(f"plan id '{plan.id}' is loaded twice (plans {seen[plan.id] + 1} "
                                f"and {index + 1}); ids must be unique", path="id"))
        seen[plan.id] = index
    if issues:
        raise UsageError(issues)
    if not plans:
        raise UsageError("give at least one plan")
    return plans


def load_data(source: DataSource | None = None, mapping: Any = None, pairs: Sequence[str] = ()) -> Dataset:
    """A validated dataset from a folder, files or DataFrames (default: the bundled sample),
    renamed by a column mapping (a file, a dict) and ``table.column=Column`` pairs."""
    if isinstance(source, Dataset):
        return source
    return _load_data(SAMPLE_DATA_DIR if source is None else source, mapping=load_mapping(mapping, pairs))


def simulate(
    plans: Sequence[PlanSource],
    data: DataSource | None = None,
    *,
    trials: int | None = None,
    seed: int = 0,
    synthetic: int | None = None,
    detail_trials: int | None = None,
    progress: Progress | None = None,
) -> Simulation:
    """Run plans over data and return the SPEC tables.

    ``data`` (a Dataset, a folder or a dict of tables; None means the bundled sample) with
    ``trials`` None or 1 replays history. ``trials`` > 1 draws Monte-Carlo trials around the
    data's reps. ``synthetic=N`` draws ``trials`` (default 1000) trials of N synthetic reps
    over the plan year of the latest plan start, so earlier plans replay on it.
    """
    loaded = load_plans(plans)
    if trials is not None and trials <= 0:
        raise UsageError(Issue("trials must be a whole number above 0", path="trials", value=trials))
    if synthetic is not None and data is not None:
        raise UsageError(Issue("give data or synthetic, not both", path="synthetic", value=synthetic))
    dataset = None
    source: TrialSource
    if synthetic is not None:
        start = max(plan.start for plan in loaded)
        source = MonteCarloSource.synthetic(synthetic, trials or 1000, seed, start)
    else:
        dataset = load_data(data)
        if trials is None or trials == 1:
            source = HistoricalSource(dataset)
        else:
            source = MonteCarloSource.from_dataset(dataset, trials, seed)
    results = run_plans(loaded, source, detail_trials=detail_trials, progress=progress)
    return Simulation(results, source.trials, seed, source.label, _notes(results, dataset))


def compare(simulation: Simulation, baseline: str | None = None) -> Comparison:
    """Plans side by side against ``baseline`` (default: the first plan): cost, cost of sales,
    payout % of TI, and per rep the winners and losers."""
    baseline = baseline or simulation.results[0].plan.id
    simulation.result(baseline)  # raises a UsageError naming the plans when unknown
    return compare_results(simulation.results, baseline)


def explain(plan: PlanSource, data: DataSource | None = None, rep_id: str = "", *,
            simulation: Simulation | None = None, trial: int = 0) -> Statement:
    """A rep's statement under a plan, line by line (metric -> curve -> gate -> multiplier ->
    true-up -> cap -> paid). Pass ``simulation`` to read it from a run already made."""
    if simulation is None:
        simulation = simulate([plan], data)
        return statement(simulation.results[0], rep_id, trial)
    by_id = isinstance(plan, str) and "\n" not in plan and not plan.endswith((".yaml", ".yml"))
    return statement(simulation.result(plan if by_id else load_plan(plan).id), rep_id, trial)


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


def gaming(plan: PlanSource, data: DataSource | None = None, seed: int = 0) -> pd.DataFrame:
    """Per gaming strategy (pull, push, sandbag, discount, split): who gains, how much, at what cost."""
    return gaming_report(load_plan(plan), load_data(data), seed)


def sensitivity(plans: Sequence[PlanSource], data: DataSource | TrialSource | None = None,
                shifts: Sequence[float] = DEFAULT_SHIFTS, **options: Any) -> pd.DataFrame:
    """Cost and payout % of TI as team attainment, product mix or new logos shift."""
    source = data if hasattr(data, "chunk_sizes") else load_data(data)  # type: ignore[arg-type]
    return _sensitivity(load_plans(plans), source, shifts, **options)


def statement_html(statement: Statement) -> str:
    """A printable one-page HTML statement, self-contained, to send to the rep."""
    return statement.html()


def _deals_outside(dataset: Dataset, result: PlanResult) -> int:
    """Deal rows of the plan's reps that close outside the plan year the plan ran on."""
    deals = dataset.deals
    offset = month_ordinals(deals["close_date"]) - result.start.ordinal
    covered = deals["rep_id"].isin(result.roster.rep_ids).to_numpy()
    return int((covered & ((offset < 0) | (offset >= PLAN_YEAR_MONTHS))).sum())


def _notes(results: list[PlanResult], dataset: Dataset | None) -> list[str]:
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
    if dataset is not None:
        notes += list(dataset.warnings)
    return notes


__all__ = [
    "load_plan", "load_plans", "load_data", "load_mapping", "synthesize", "synthesize_trials", "write_dataset",
    "kernel_ready", "prepare_kernel",
    "simulate", "compare", "explain", "statement_html", "lint", "render_warnings", "gaming", "sensitivity",
    "elasticity", "write_results", "schema_text", "pay_curve_points", "quiet_lines", "check_output_folder",
    "check_output_file", "write_text_atomic", "bundled_plan_paths", "Simulation", "Comparison", "Statement",
    "PlanWarning", "Plan", "Dataset", "TABLES", "DIMENSIONS", "FORMATS", "WORKBOOK", "PLANS_DIR",
    "SAMPLE_DATA_DIR", "CompSimError", "PlanError", "DataError", "UsageError", "Issue",
]
