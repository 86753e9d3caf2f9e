"""What a simulation keeps of each plan: per-trial totals for the distribution, detail for a few.

Aggregates are float64 arrays with a leading trials axis, filled chunk by chunk so memory stays
bounded: (trials, reps) for pay, bookings and quota; (trials, components) and (trials, months)
for cost by component and cash timing. The full per-period detail (``PlanRun``) is kept for the
first ``detail_trials`` trials only; historical data is one trial, kept whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from comp_sim.engine.compile import CompiledPlan
from comp_sim.engine.run import PlanRun, Roster
from comp_sim.engine.windows import total
from comp_sim.periods import PLAN_YEAR_MONTHS, Month
from comp_sim.plan.models import Plan


class RepFigures:
    """Figures of a plan's or a program's results worked out from its (trials, reps) ``paid``,
    ``bookings`` and ``quota`` and its (reps,) ``cap_basis_ti``, in one place for both."""

    paid: np.ndarray
    bookings: np.ndarray
    quota: np.ndarray
    cap_basis_ti: np.ndarray

    @property
    def total_cost(self) -> np.ndarray:
        """(trials,) total payout in each trial."""
        return self.paid.sum(axis=1)

    @property
    def attainment(self) -> np.ndarray:
        """(trials, reps) plan-year bookings / quota (NaN without a quota)."""
        return divide_where_positive(self.bookings, self.quota)

    @property
    def payout_pct_ti(self) -> np.ndarray:
        """(trials, reps) payout as a share of the rep's prorated plan-year TI (NaN without TI)."""
        return divide_where_positive(self.paid, np.broadcast_to(self.cap_basis_ti, self.paid.shape))


@dataclass
class PlanResult(RepFigures):
    """One plan's results over all trials."""

    compiled: CompiledPlan
    roster: Roster
    reps: pd.DataFrame  # covered reps: rep_id, name, role, team, region, target_incentive, prorated_ti
    trials: int
    paid: np.ndarray  # (trials, reps)
    capped: np.ndarray  # (trials, reps)
    bookings: np.ndarray  # (trials, reps) every credit of the rep
    quota: np.ndarray  # (trials, reps)
    company_bookings: np.ndarray  # (trials, reps) revenue credits only
    by_component: np.ndarray  # (trials, lines) components, then draw lines (``line_ids``)
    by_month: np.ndarray  # (trials, 12) paid per month of the plan year (cash timing)
    rep_component_sum: np.ndarray  # (reps, lines) summed over trials
    outstanding: np.ndarray | None = None  # (trials, reps) draw balance left at the end of the year
    detail: list[PlanRun] = field(default_factory=list)  # the first trials, in order

    @property
    def plan(self) -> Plan:
        return self.compiled.plan

    @property
    def start(self) -> Month:
        """First month of the plan year this run covered."""
        return self.compiled.start

    @property
    def replayed(self) -> bool:
        """True when the plan ran on another year than the one it names (history replay)."""
        return self.start != self.plan.start

    @property
    def component_ids(self) -> list[str]:
        return [c.id for c in self.plan.components]

    @property
    def line_ids(self) -> list[str]:
        """Components, then the draw lines when the plan has a draw."""
        return self.compiled.line_ids

    @property
    def month_labels(self) -> list[str]:
        return [str(self.start + i) for i in range(PLAN_YEAR_MONTHS)]

    @property
    def cap_basis_ti(self) -> np.ndarray:
        """(reps,) prorated plan-year TI of each covered rep."""
        return self.roster.cap_basis_ti

    @property
    def annual_ti(self) -> np.ndarray:
        return self.roster.annual_ti



def divide_where_positive(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, NaN where bottom is not above 0 (one pass over the result when none is).

    >>> divide_where_positive(np.array([3.0, 1.0, 0.0]), np.array([2.0, 0.0, -1.0])).tolist()
    [1.5, nan, nan]
    """
    positive = bottom > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(top, bottom)
    if not positive.all():
        out[~positive] = np.nan
    return out


class PlanAccumulator:
    """Collects a plan's chunks of trials into a ``PlanResult``."""

    def __init__(self, compiled: CompiledPlan, roster: Roster, reps: pd.DataFrame, trials: int,
                 detail_trials: int):
        n_reps, n_lines = len(roster.rep_ids), len(compiled.line_ids)
        self.result = PlanResult(
            compiled=compiled, roster=roster, reps=reps, trials=trials,
            paid=np.zeros((trials, n_reps)), capped=np.zeros((trials, n_reps)),
            bookings=np.zeros((trials, n_reps)), quota=np.zeros((trials, n_reps)),
            company_bookings=np.zeros((trials, n_reps)),
            by_component=np.zeros((trials, n_lines)),
            by_month=np.zeros((trials, PLAN_YEAR_MONTHS)),
            rep_component_sum=np.zeros((n_reps, n_lines)),
            outstanding=np.zeros((trials, n_reps)) if compiled.draw_windows else None,
        )
        self.detail_trials = detail_trials
        self.done = 0

    def add(self, run: PlanRun) -> None:
        """Fold one chunk of trials (the next ``run.trials`` trials) into the totals."""
        result, lo = self.result, self.done
        hi = lo + run.trials
        # Loops over lines and periods: numpy reduces a short trailing axis slowly.
        for index, line in enumerate(run.paid_lines()):
            result.paid[lo:hi] += line.paid
            result.by_component[lo:hi, index] = line.paid.sum(axis=1)
            result.rep_component_sum[:, index] += line.paid.sum(axis=0)
            for period, month in enumerate(line.pay_months):
                result.by_month[lo:hi, month] += line.amounts[:, :, period].sum(axis=1)
        for c in run.components:
            if c.cut_by_cap:
                result.capped[lo:hi] += total(c.capped)
        result.bookings[lo:hi] = run.bookings
        result.quota[lo:hi] = run.quota
        result.company_bookings[lo:hi] = run.company_bookings
        if run.draw is not None:
            result.outstanding[lo:hi] = run.draw.outstanding
        if lo < self.detail_trials:
            result.detail.append(run if hi <= self.detail_trials else _first_trials(run, self.detail_trials - lo))
        self.done = hi


def _first_trials(run: PlanRun, count: int) -> PlanRun:
    """The same run cut to its first ``count`` trials, copied so the rest of the chunk is freed."""

    def first(values: np.ndarray) -> np.ndarray:
        return values[:count].copy(order="K")

    components = []
    for c in run.components:
        cut = {name: first(getattr(c, name)) for name in
               ("value", "curve_fraction", "fraction", "money", "multiplier", "earned", "payment",
                "amount", "capped", "paid")}
        gates = tuple(replace(g, value=first(g.value), effect=first(g.effect)) for g in c.gates)
        multipliers = tuple(replace(m, value=first(m.value), effect=first(m.effect)) for m in c.multipliers)
        components.append(replace(c, gates=gates, multipliers=multipliers, **cut))
    draw = run.draw
    if draw is not None:
        lines = replace(draw.lines, **{name: first(getattr(draw.lines, name))
                                       for name in ("draw", "recovery", "balance_before", "balance_after")})
        draw = replace(draw, paid=first(draw.paid), lines=lines)
    return replace(run, components=tuple(components), bookings=first(run.bookings), quota=first(run.quota),
                   company_bookings=first(run.company_bookings), draw=draw)
