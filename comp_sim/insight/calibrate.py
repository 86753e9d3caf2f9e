"""Calibration: solve one positive scale ``s`` on a lever of a plan (or of every plan of a
program) so that its mean total cost over the same data and trials meets a target within 0.1%
(SPEC "Calibration").

Targets: the cost of a baseline plan or program (cost-neutral), a budget, or a payout at quota
(the mean payout % of TI of the reps who finish the year within 5% of their quota). Levers:

- ``ti``: every role's target incentive x s (everything expressed in TI moves with it);
- ``rates``: every curve y (and ``below`` and its cap), tier rate (and cap), commission rate and
  SPIFF amount x s;
- ``upside``: only what is paid above target: curve points, curve caps and tier rates above 1
  (the target) move to 1 + s x (y - 1).

The cost is monotone in the scale, so a bracketed root search (``scipy.optimize.brentq``) over
runs of the same trials finds it; a target out of reach is an error that states the reachable
range. A lever is a list of edits (key path -> new number) made once and applied both to the
validated plan and to the plan's YAML, so the calibrated file keeps the original's comments and
key order.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from ruamel.yaml import YAML
from scipy.optimize import brentq

from comp_sim.engine.distributed import Cluster
from comp_sim.engine.simulate import TrialSource, run_plans
from comp_sim.errors import Issue, UsageError
from comp_sim.plan.loader import load_plan
from comp_sim.plan.models import Plan
from comp_sim.plan.program import Program
from comp_sim.report.compare import compare_units
from comp_sim.report.programs import ProgramResult, program_results
from comp_sim.report.tables import program_summary

Lever = Literal["ti", "rates", "upside"]
LEVERS = ("ti", "rates", "upside")
TOLERANCE = 0.001  # of the target
SCALE_RANGE = (1e-3, 1e3)  # the scales searched, from the widest bracket
AT_QUOTA = 0.05  # reps within 5% of quota count as at quota
Edit = tuple[tuple[Any, ...], float]  # (key path, new value)


@dataclass(frozen=True)
class Target:
    """What calibration aims at: ``cost`` (a budget, or a baseline's cost) or ``pay_at_quota``."""

    kind: Literal["cost", "pay_at_quota"]
    value: float
    label: str  # how the target reads: "cost-neutral to current (4,580,385 USD)", ...


@dataclass
class Calibration:
    """What was solved: the scale, the figure reached, the calibrated plans and their YAML, and
    the guard figures before and after."""

    unit: Program
    lever: Lever
    target: Target
    scale: float
    reached: float
    plans: list[Plan]
    yaml: dict[str, str]  # plan id -> calibrated plan file text
    before: dict[str, Any]
    after: dict[str, Any]
    evaluations: int

    @property
    def program(self) -> Program:
        return Program(self.unit.id, self.unit.name, tuple(self.plans), self.unit.source, self.unit.description)


# --------------------------------------------------------------------------- levers


def lever_edits(plan: Plan, lever: Lever, scale: float) -> list[Edit]:
    """The numbers a lever moves in a plan, as (key path, new value) edits."""
    edits: list[Edit] = []
    if lever == "ti":
        return [(("roles", role, "target_incentive"), r.target_incentive * scale) for role, r in plan.roles.items()]
    above = (lambda y: 1.0 + scale * (y - 1.0) if y > 1.0 else y) if lever == "upside" else (lambda y: y * scale)
    current = plan.model_dump(mode="json")
    for i, c in enumerate(plan.components):
        where = ("components", i)
        curve, tiers = getattr(c, "curve", None), getattr(c, "tiers", None)
        if curve is not None:
            edits += [((*where, "curve", "points", k, 1), above(y)) for k, (_, y) in enumerate(curve.points)]
            if lever == "rates" and curve.below:
                edits.append(((*where, "curve", "below"), curve.below * scale))
            if curve.cap is not None:
                edits.append(((*where, "curve", "cap"), above(curve.cap)))
        elif tiers is not None:
            edits += [((*where, "tiers", "bands", k, "rate"), above(b.rate)) for k, b in enumerate(tiers.bands)]
            if tiers.cap is not None:
                edits.append(((*where, "tiers", "cap"), above(tiers.cap)))
        elif lever == "rates" and getattr(c, "commission", None) is not None:
            edits += [((*where, "commission", "bands", k, "rate"), b.rate * scale)
                      for k, b in enumerate(c.commission.bands)]
        elif lever == "rates" and getattr(c, "spiff", None) is not None:
            edits.append(((*where, "spiff", "amount"), c.spiff.amount * scale))
    return [(loc, value) for loc, value in edits if value != _get(current, loc)]


def _get(node: Any, loc: tuple) -> Any:
    for part in loc:
        node = node[part]
    return node


def _set(node: Any, loc: tuple, value: float) -> None:
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def scaled(plan: Plan, lever: Lever, scale: float) -> Plan:
    """The plan with a lever moved by ``scale`` (validated like any plan)."""
    data = plan.model_dump(mode="json", exclude_none=True)
    for loc, value in lever_edits(plan, lever, scale):
        _set(data, loc, value)
    return load_plan(data, name=plan.source)


def written(plan: Plan, lever: Lever, scale: float, note: str, text: str | None = None) -> str:
    """The plan's YAML (``text``, else its file) with the lever's numbers changed in place, its
    comments and key order kept, and a header comment saying what was solved."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    if text is None and Path(plan.source).is_file():
        text = Path(plan.source).read_text(encoding="utf-8")
    if text is not None and "\n  - " in text:  # lists indented under their key, as the bundled plans are
        yaml.indent(mapping=2, sequence=4, offset=2)
    tree = yaml.load(text) if text is not None else plan.model_dump(mode="json", exclude_none=True)
    for loc, value in lever_edits(plan, lever, scale):
        _set(tree, loc, _tidy(value))
    out = io.StringIO()
    yaml.dump(tree, out)
    return "".join(f"# {line}\n" for line in note.splitlines()) + out.getvalue()


def _tidy(value: float) -> float | int:
    """A number as written: whole numbers as integers, others to 6 significant decimals."""
    rounded = float(f"{value:.6g}") if abs(value) < 1 else round(value, 4)
    return int(rounded) if float(rounded).is_integer() else rounded


# --------------------------------------------------------------------------- solving


def calibrate(unit: Program, target: Target, lever: Lever, source: TrialSource,
              baseline: ProgramResult | None = None, texts: dict[str, str] | None = None,
              on_step: Callable[[int, float, float], None] | None = None,
              cluster: Cluster | None = None) -> Calibration:
    """Solve the scale of ``lever`` on every plan of ``unit`` that meets ``target`` over
    ``source`` (the same trials every time; each run's chunks on ``cluster`` when given).
    ``baseline`` (the run of the plan or program the target is neutral to, when it is one) gives
    the winners and losers of the guard figures."""
    if lever not in LEVERS:
        raise UsageError(Issue(f"the lever is one of {', '.join(LEVERS)}", path="lever", value=lever))
    population = source.reps
    evaluations = 0
    figures: dict[float, tuple[float, ProgramResult]] = {}

    def run(scale: float) -> tuple[float, ProgramResult]:
        nonlocal evaluations
        if scale not in figures:
            plans = [scaled(plan, lever, scale) if scale != 1.0 else plan for plan in unit.plans]
            program = Program(unit.id, unit.name, tuple(plans), unit.source, unit.description)
            result = program_results([program], run_plans(plans, source, cluster=cluster), population)[0]
            figures[scale] = (_measured(result, target), result)
            evaluations += 1
            if on_step is not None:
                on_step(evaluations, scale, figures[scale][0])
        return figures[scale]

    start, _ = run(1.0)
    if not math.isfinite(start):
        raise UsageError(Issue("no rep finishes the year within 5% of quota, so there is no payout at quota to "
                               "aim at", path="target", value=target.value))
    if abs(start - target.value) <= TOLERANCE * abs(target.value):
        scale = 1.0
    else:
        lo, hi = _bracket(lambda s: run(s)[0], target.value, start, lever)
        scale = brentq(lambda s: run(s)[0] - target.value, lo, hi, xtol=1e-9, rtol=1e-9, maxiter=100)
    reached, result = run(scale)
    if abs(reached - target.value) > TOLERANCE * max(abs(target.value), 1e-9):
        raise UsageError(Issue(f"the {lever} lever cannot meet {target.label} within 0.1%: the nearest it "
                               f"gets is {reached:,.2f} at a scale of {scale:.6g} (the figure jumps there)",
                               path="lever", value=lever))
    plans = [scaled(plan, lever, scale) for plan in unit.plans]
    note = (f"Calibrated with comp-sim calibrate on {dt.date.today():%Y-%m-%d}: {lever} lever x {scale:.6g}, "
            f"solved for {target.label}; reached {reached:,.2f}.")
    return Calibration(
        unit=unit, lever=lever, target=target, scale=scale, reached=reached, plans=plans,
        yaml={plan.id: written(plan, lever, scale, note, (texts or {}).get(plan.id)) for plan in unit.plans},
        before=guards(run(1.0)[1], baseline), after=guards(result, baseline), evaluations=evaluations,
    )


def _bracket(measure: Callable[[float], float], target: float, start: float, lever: str) -> tuple[float, float]:
    """Scales either side of the target, widening from 1 by factors of 4 within SCALE_RANGE; an
    error stating the reachable range when the target lies outside it."""
    low, high = SCALE_RANGE
    edge, step = (1.0, 0.25) if start > target else (1.0, 4.0)
    value = start
    while (value > target if step < 1 else value < target) and low < edge < high:
        edge = min(max(edge * step, low), high)
        value = measure(edge)
    if (value > target if step < 1 else value < target) or not math.isfinite(value):
        reach = sorted((measure(low), measure(high)))
        raise UsageError(Issue(
            f"the target {target:,.2f} is out of reach of the {lever} lever: scales {low:g} to {high:g} give "
            f"{reach[0]:,.2f} to {reach[1]:,.2f}", path="target", value=round(float(target), 2)))
    return (edge, edge / step) if step < 1 else (edge / step, edge)


def _measured(result: ProgramResult, target: Target) -> float:
    if target.kind == "cost":
        return float(result.total_cost.mean())
    return pay_at_quota(result)


def pay_at_quota(result: ProgramResult) -> float:
    """Mean payout % of TI of the reps who finish the year within 5% of their quota (NaN when
    none does)."""
    attainment, pct = result.attainment, result.payout_pct_ti
    near = np.isfinite(attainment) & np.isfinite(pct) & (np.abs(attainment - 1.0) <= AT_QUOTA)
    return float(pct[near].mean()) if near.any() else math.nan


def guards(result: ProgramResult, baseline: ProgramResult | None) -> dict[str, Any]:
    """The figures a calibration must not wreck: cost, P90 payout % of TI, share at quota, cost
    of sales, payout at quota, and winners and losers against the baseline."""
    summary = program_summary(result)
    figures = {
        "cost": summary["total_payout"], "payout_pct_ti_p90": summary["payout_pct_ti_p90"],
        "share_at_or_above_quota": summary["share_at_or_above_quota"], "cost_of_sales": summary["cost_of_sales"],
        "pay_at_quota": pay_at_quota(result),
    }
    if baseline is not None:
        row = compare_units([baseline, result], baseline.id).plans.iloc[1]
        figures.update(winners=int(row["winners"]), losers=int(row["losers"]))
    return figures


def cost_target(baseline: ProgramResult | None, budget: float | None, at_quota: float | None,
                currency: str) -> Target:
    """The target of one of the three kinds (exactly one of them given)."""
    given = [name for name, value in (("--cost-neutral-to", baseline), ("--budget", budget),
                                      ("--pay-at-quota", at_quota)) if value is not None]
    if len(given) != 1:
        raise UsageError(Issue("give exactly one target: --cost-neutral-to PLAN|PROGRAM, --budget AMOUNT or "
                               "--pay-at-quota FRACTION", path="target", value=", ".join(given) or "none"))
    if baseline is not None:
        cost = float(baseline.total_cost.mean())
        return Target("cost", cost, f"cost-neutral to {baseline.id} ({cost:,.2f} {currency})")
    if budget is not None:
        if not (budget > 0 and math.isfinite(budget)):
            raise UsageError(Issue("a budget is a positive amount", path="--budget", value=budget))
        return Target("cost", budget, f"a budget of {budget:,.2f} {currency}")
    assert at_quota is not None
    if not (at_quota > 0 and math.isfinite(at_quota)):
        raise UsageError(Issue("a payout at quota is a positive share of TI, e.g. 1.0", path="--pay-at-quota",
                               value=at_quota))
    return Target("pay_at_quota", at_quota, f"a payout at quota of {at_quota:.1%} of TI")


__all__ = ["calibrate", "Calibration", "Target", "cost_target", "lever_edits", "scaled", "written", "LEVERS",
           "pay_at_quota", "guards"]
