"""A simulation: plans run over data, with SPEC's payouts, statements and summary tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from comp_sim.engine.results import PlanResult
from comp_sim.errors import Issue, UsageError
from comp_sim.output import to_json
from comp_sim.plan.models import Plan
from comp_sim.report import tables
from comp_sim.report.programs import ProgramResult


@dataclass
class Simulation:
    """The results of running plans over data: SPEC's payouts, statements and summary."""

    results: list[PlanResult]
    trials: int
    seed: int | None
    data_label: str
    notes: list[str] = field(default_factory=list)
    units: list[ProgramResult] = field(default_factory=list)  # what was compared: programs, or plans alone

    def result(self, plan_id: str) -> PlanResult:
        for result in self.results:
            if result.plan.id == plan_id:
                return result
        known = ", ".join(r.plan.id for r in self.results)
        raise UsageError(Issue(f"no plan '{plan_id}' in this run (plans: {known})", path="plan"))

    def unit(self, unit_id: str) -> ProgramResult:
        """A program of this run, or a plan run on its own, by id."""
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        known = ", ".join(u.id for u in self.units)
        raise UsageError(Issue(f"no plan or program '{unit_id}' in this run (compared: {known})", path="baseline"))

    @property
    def plans(self) -> list[Plan]:
        return [r.plan for r in self.results]

    @property
    def programs(self) -> list[ProgramResult]:
        """The programs of more than one plan compared in this run."""
        return [u for u in self.units if not u.program.single]

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
            **({"programs": {u.id: tables.program_summary(u) for u in self.programs}} if self.programs else {}),
        }

    def summary_json(self) -> str:
        return to_json(self.summary_dict())
