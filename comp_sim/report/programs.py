"""A program's results: its plans' results side by side, one column per rep of the whole team.

Arrays follow ``PlanResult``'s: (trials, reps) for pay, bookings and quota, (trials, 12) for
cash timing; a program's reps are its plans' reps one after another (each rep is paid by the one
plan listing their role), so the figures a summary or a comparison reads are the same for a plan
and for a program. A plan alone is a one-plan program.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from comp_sim.engine.results import PlanResult, RepFigures
from comp_sim.plan.program import Program


@dataclass
class ProgramResult(RepFigures):
    """What a program paid, per rep of the whole team and per trial."""

    program: Program
    results: list[PlanResult]  # its plans', in program order
    population: pd.DataFrame  # every rep of the data (rep_id, role), to say who no plan covers

    @property
    def id(self) -> str:
        return self.program.id

    @property
    def name(self) -> str:
        return self.program.name

    @property
    def currency(self) -> str:
        return self.program.currency

    @property
    def trials(self) -> int:
        return self.results[0].trials

    def _stack(self, name: str) -> np.ndarray:
        return np.concatenate([getattr(r, name) for r in self.results], axis=1)

    @cached_property
    def paid(self) -> np.ndarray:
        """(trials, reps) plan-year payout of every rep the program covers."""
        return self._stack("paid")

    @cached_property
    def capped(self) -> np.ndarray:
        return self._stack("capped")

    @cached_property
    def bookings(self) -> np.ndarray:
        return self._stack("bookings")

    @cached_property
    def quota(self) -> np.ndarray:
        return self._stack("quota")

    @cached_property
    def company_bookings(self) -> np.ndarray:
        return self._stack("company_bookings")

    @cached_property
    def cap_basis_ti(self) -> np.ndarray:
        return np.concatenate([r.roster.cap_basis_ti for r in self.results])

    @cached_property
    def annual_ti(self) -> np.ndarray:
        return np.concatenate([r.roster.annual_ti for r in self.results])

    @cached_property
    def by_month(self) -> np.ndarray:
        """(trials, 12) cash paid per month of each plan's plan year, added up."""
        return sum(r.by_month for r in self.results)

    @cached_property
    def reps(self) -> pd.DataFrame:
        """The covered reps, in column order, with the plan that pays each."""
        return pd.concat([r.reps.assign(plan=r.plan.id) for r in self.results], ignore_index=True)

    @property
    def rep_ids(self) -> list[str]:
        return self.reps["rep_id"].tolist()

    @cached_property
    def uncovered(self) -> pd.DataFrame:
        """Reps of the data that no plan of the program covers (rep_id, role)."""
        covered = set(self.rep_ids)
        return self.population[~self.population["rep_id"].astype(str).isin(covered)][["rep_id", "role"]]

    def by_plan(self) -> dict[str, float]:
        """Mean cost of each plan of the program."""
        return {r.plan.id: float(r.total_cost.mean()) for r in self.results}


def program_results(programs: list[Program], results: list[PlanResult], population: pd.DataFrame) -> list[ProgramResult]:
    """Each program's results, from the results of every plan run."""
    by_id = {r.plan.id: r for r in results}
    return [ProgramResult(p, [by_id[plan.id] for plan in p.plans], population) for p in programs]
