"""Metric values over windows, from a plan year's monthly measures.

Arrays are float64 shaped (trials, reps, windows); monthly inputs are (trials, reps, months).
A window's sums are the sums of its months; ratios are computed from the window's sums, so a
year-to-date attainment is YTD bookings / YTD quota, not a mean of monthly attainments. What a
metric is computed from, and how, is declared once in ``comp_sim.plan.metrics``: ``MetricContext``
is the ``Windows`` those declarations are evaluated on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from comp_sim.engine.teams import Teams
from comp_sim.engine.windows import cumulative_window_sums, running_sum, window_sums
from comp_sim.errors import MAX_REPORTED, DataError, Issue
from comp_sim.measures import Measure, measure_key
from comp_sim.periods import MONTHS_PER, Month, Window, plan_windows
from comp_sim.plan.models import Plan
from comp_sim.plan.rules import HALF_STEP, is_zero, kernel_views
from comp_sim.plan.metrics import safe_divide


@dataclass
class PlanYear:
    """The measures of one plan year, (trials, reps, 12), and their window sums, which every
    component measured on the same grain shares. (It holds no reference to its contexts, so
    that the arrays are freed as soon as a run is done, without waiting for the cycle GC.)"""

    plan: Plan
    start: Month
    monthly: dict[str, np.ndarray]
    rep_ids: Sequence[str]
    population: PlanYear | None = None  # every rep of the data, for team metrics
    teams: Mapping[tuple[bool, bool], Teams] = field(default_factory=dict)  # (direct, include_self) -> teams
    _sums: dict[tuple[str, str, bool], np.ndarray] = field(default_factory=dict)

    def window_sums(self, key: str, grain: str, cumulative: bool) -> np.ndarray:
        """Sums of a monthly measure over each window (from the plan start when cumulative)."""
        cached = self._sums.get((key, grain, cumulative))
        if cached is None:
            size = MONTHS_PER[grain]
            if not cumulative:
                cached = per_trial_row(lambda v: window_sums(v, size), self.monthly[key])
            elif (key, grain, False) in self._sums:
                cached = per_trial_row(running_sum, self._sums[(key, grain, False)])
            else:
                cached = per_trial_row(lambda v: cumulative_window_sums(v, size), self.monthly[key])
            self._sums[(key, grain, cumulative)] = cached
        return cached


def per_trial_row(function: Callable[[np.ndarray], np.ndarray], values: np.ndarray) -> np.ndarray:
    """``function`` of an array that is the same in every trial (a target broadcast over the
    trials axis, stride 0), computed once and broadcast back; other arrays as they are.

    >>> quota = np.broadcast_to(np.arange(1.0, 13.0), (1000, 1, 12))
    >>> per_trial_row(running_sum, quota).strides[0], per_trial_row(running_sum, quota)[999, 0, -1]
    (0, np.float64(78.0))
    """
    if values.ndim < 2 or values.shape[0] < 2 or values.strides[0] != 0:
        return function(values)
    one = function(values[:1])
    return np.broadcast_to(one, (values.shape[0], *one.shape[1:]))


@dataclass
class MetricContext:
    """Evaluates metric names over the windows of one grain of a plan year, (trials, reps, windows);
    ``cumulative`` windows run from the plan start to each window's end."""

    year: PlanYear
    grain: str
    cumulative: bool
    _cache: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def windows(self) -> list[Window]:
        return plan_windows(self.year.start, self.grain)

    def sum_of(self, measure: Measure) -> np.ndarray:
        """Window sums of a monthly measure, (trials, reps, windows)."""
        return self.year.window_sums(measure_key(measure), self.grain, self.cumulative)

    def value(self, name: str) -> np.ndarray:
        """The metric ``name`` per (trials, reps, windows)."""
        if name not in self._cache:
            definition = self.year.plan.metric(name)
            if definition is None:
                raise KeyError(f"plan {self.year.plan.id} has no metric '{name}'")
            self._cache[name] = definition.evaluate(self, name)
        return self._cache[name]

    def team(self, name: str, direct: bool, include_self: bool) -> np.ndarray:
        """The metric ``name`` of every rep of the data, summed over each rep's team."""
        population = self.year.population
        assert population is not None, "a plan reading team metrics runs with its population"
        members = MetricContext(population, self.grain, self.cumulative).value(name)
        return self.year.teams[(direct, include_self)].sum(members)

    def relative_to_quota(self, basis: str) -> np.ndarray:
        """basis / quota, what a ``relative_to: quota`` commission compares with its band edges;
        a non-zero basis over a quota of 0 is a data error naming rep and period."""
        return self.ratio(f"{basis} relative to quota", self.value(basis), self.value("quota"), None,
                          basis, "quota", "add a quota covering the period")

    def ratio(self, name: str, top: np.ndarray, bottom: np.ndarray, on_zero: float | None,
              top_name: str, bottom_name: str, fix: str) -> np.ndarray:
        """top / bottom; 0 / 0 is 0; x / 0 is ``on_zero`` or a data error naming rep and period."""
        out = np.empty_like(top, dtype="float64")
        views = kernel_views(top, bottom, out)
        if views is not None:
            from comp_sim.plan import kernels

            broken = kernels.divide_where_not_zero(*views[:2], HALF_STEP, np.nan if on_zero is None else on_zero,
                                                   views[2])
            if not broken or on_zero is not None:
                return out
        zero = per_trial_row(is_zero, bottom)
        if not zero.any():
            return np.divide(top, bottom, out=out)
        broken = zero & ~is_zero(top)
        if not broken.any():
            return safe_divide(top, bottom, zero)
        if on_zero is None:
            raise DataError(self._zero_issues(name, broken, top, top_name, bottom_name, fix),
                            int(np.count_nonzero(broken)))
        return np.where(broken, on_zero, safe_divide(top, bottom, zero))

    def _zero_issues(self, name: str, broken: np.ndarray, top: np.ndarray, top_name: str,
                     bottom_name: str, fix: str) -> list[Issue]:
        issues = []
        windows = self.windows
        for trial, rep, window in np.argwhere(broken)[:MAX_REPORTED]:
            label = windows[window].label + (" year to date" if self.cumulative else "")
            trial_text = f" (trial {trial})" if broken.shape[0] > 1 else ""
            issues.append(Issue(
                f"{name} = {top_name} / {bottom_name} = {top[trial, rep, window]:,.2f} / 0: "
                f"a {bottom_name} of 0 cannot divide a non-zero {top_name}; {fix}",
                source=f"rep {self.year.rep_ids[rep]}{trial_text}", path=label,
            ))
        return issues
