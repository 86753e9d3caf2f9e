"""The Python API: load_plan, load_data, synthesize, simulate, compare, explain, and plan insight
(lint, gaming, sensitivity).

The CLI and the app call these and nothing deeper, so what a user sees is what the tests check.
For example, ``simulate(["plans/current-2026.yaml", "plans/balanced-2027.yaml"]).summary``
compares today's plan with a proposal on the bundled sample data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from comp_sim.data.dataset import Dataset
from comp_sim.engine.simulate import HistoricalSource, Progress, TrialSource, run_plans
from comp_sim.errors import Issue, PlanError, UsageError
from comp_sim.output import to_json
from comp_sim.periods import PLAN_YEAR_MONTHS
from comp_sim.plan.loader import PlanSource, load_plan
from comp_sim.plan.models import Plan
from comp_sim.report import tables
from comp_sim.report.compare import Comparison, compare_results
from comp_sim.report.explain import Statement, statement
from comp_sim.report.results import PlanResult
from comp_sim.data.write import write_dataset
from comp_sim.synth import MonteCarloSource, synthesize, synthesize_trials

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


def load_data(source: DataSource | None = None, mapping: Any = None) -> Dataset:
    """A validated dataset from a folder, files or DataFrames (default: the bundled sample)."""
    if isinstance(source, Dataset):
        return source
    from comp_sim.data.loader import load_data as load

    return load(SAMPLE_DATA_DIR if source is None else source, mapping=mapping)


@dataclass
class Simulation:
    """The results of running plans over data: SPEC's payouts, statements and summary."""

    results: list[PlanResult]
    trials: int
    seed: int | None
    data_label: str
    notes: list[str] = field(default_factory=list)

    def result(self, plan_id: str) -> PlanResult:
        for result in self.results:
            if result.plan.id == plan_id:
                return result
        known = ", ".join(r.plan.id for r in self.results)
        raise UsageError(Issue(f"no plan '{plan_id}' in this run (plans: {known})", path="plan"))

    @property
    def plans(self) -> list[Plan]:
        return [r.plan for r in self.results]

    @cached_property
    def payouts(self) -> pd.DataFrame:
        """Long table: plan, trial, rep_id, period, component, value, fraction, multiplier,
        amount, capped (and pay_month), for the trials kept in detail."""
        return tables.payouts_table(self.results)

    @cached_property
    def statements(self) -> pd.DataFrame:
        """One row per plan and rep: plan-year totals (means over trials)."""
        return tables.statements_table(self.results)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per plan: cost, cost of sales, payout % of TI, share at quota, ..."""
        return tables.summary_table(self.results)

    def summary_dict(self) -> dict[str, Any]:
        """Everything ``summary.json`` holds."""
        return {
            "run": {"trials": self.trials, "seed": self.seed, "data": self.data_label,
                    "notes": self.notes},
            "plans": {r.plan.id: tables.plan_summary(r) for r in self.results},
        }

    def summary_json(self) -> str:
        return to_json(self.summary_dict())



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
        start = max(plan.start_month for plan in loaded)
        source = MonteCarloSource.synthetic(synthetic, trials or 1000, seed, start)
        label = source.label
    else:
        dataset = load_data(data)
        if trials is None or trials == 1:
            source, label = HistoricalSource(dataset), dataset.source
        else:
            source = MonteCarloSource.from_dataset(dataset, trials, seed)
            label = source.label
    results = run_plans(loaded, source, detail_trials=detail_trials, progress=progress)
    _finite_totals(results, [_source_name(given, plan) for given, plan in zip(plans, loaded)])
    return Simulation(results, source.trials, seed, label, _notes(results, dataset))


def _source_name(given: PlanSource, plan: Plan) -> str:
    """The plan's file, or its id when it was given as text, a dict or a Plan."""
    if isinstance(given, Path) or (isinstance(given, str) and "\n" not in given and given.endswith((".yaml", ".yml"))):
        return str(given)
    return f"<plan {plan.id}>"


def _finite_totals(results: list[PlanResult], sources: list[str]) -> None:
    """Every payout a run reports is a finite number: plan and data numbers are bounded, but
    rates, multipliers and amounts multiply (thirty multipliers of 1e12 make 1e360, which a
    64-bit float holds as inf), so such a run fails rather than report inf or NaN."""
    issues = []
    for result, source in zip(results, sources):
        broken = ~np.isfinite(result.paid)
        if not broken.any():
            continue
        trial, rep = (int(i) for i in np.argwhere(broken)[0])
        components = [c for c, total in zip(result.component_ids, result.rep_component_sum[rep])
                      if not np.isfinite(total)]
        where = f"rep {result.roster.rep_ids[rep]}" + (f", trial {trial}" if result.trials > 1 else "")
        issues.append(Issue(f"payouts are not finite numbers ({result.paid[trial, rep]} for {where}, "
                            f"component {', '.join(components) or '?'}): the plan's rates, multipliers and "
                            "amounts multiply past what a 64-bit number holds", source=source))
    if issues:
        raise PlanError(issues)


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
        result = simulation.results[0]
    else:
        result = simulation.result(load_plan(plan).id if not isinstance(plan, str) or plan.endswith((".yaml", ".yml")) else plan)
    return statement(result, rep_id, trial)


def lint(plan: PlanSource, population: Simulation | None = None) -> list:
    """Warnings on what a plan invites reps to do (cliffs, uncapped exposure, discounting, ...),
    each with the key path and line, the behaviour, a fix and figures from the engine."""
    from comp_sim.insight.lint import lint_plan

    return lint_plan(plan, population)


def gaming(plan: PlanSource, data: DataSource | None = None, seed: int = 0) -> pd.DataFrame:
    """Per gaming strategy (pull, push, sandbag, discount, split): who gains, how much, at what cost."""
    from comp_sim.insight.gaming import gaming_report

    return gaming_report(plan, data, seed)


def sensitivity(plans: Sequence[PlanSource], data: DataSource | None = None, **options: Any) -> pd.DataFrame:
    """Cost and payout % of TI as team attainment, product mix or new logos shift."""
    from comp_sim.insight.sensitivity import sensitivity as shifted_costs

    return shifted_costs(plans, data, **options)


def _deals_outside(dataset: Dataset, result: PlanResult) -> int:
    """Deal rows of the plan's reps that close outside the plan year the plan ran on."""
    deals = dataset.deals
    dates = pd.to_datetime(deals["close_date"])
    offset = dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1 - result.start.ordinal
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
    "load_plan", "load_plans", "load_data", "synthesize", "synthesize_trials", "write_dataset",
    "simulate", "compare", "explain", "lint", "gaming", "sensitivity", "Simulation",
    "Comparison", "Statement", "bundled_plan_paths",
    "PLANS_DIR", "SAMPLE_DATA_DIR",
]
