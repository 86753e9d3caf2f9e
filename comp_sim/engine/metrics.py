"""Metrics over windows: what a plan needs from the cube, and its metric values per window.

Arrays are float64 shaped (trials, reps, windows); monthly inputs are (trials, reps, months).
A window's sums are the sums of its months; ratios are computed from the window's sums, so a
year-to-date attainment is YTD bookings / YTD quota, not a mean of monthly attainments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from comp_sim.data.cube import (
    BOOKINGS,
    DEALS,
    DISCOUNTED_AMOUNT,
    FORECAST,
    MBO_COUNT,
    MBO_SUM,
    NEW_LOGO_BOOKINGS,
    NEW_LOGOS,
    TARGET,
    DealMeasure,
)
from comp_sim.engine.primitives import HALF_STEP
from comp_sim.errors import MAX_REPORTED, DataError, Issue
from comp_sim.plan.metrics import split_target
from comp_sim.plan.models import (
    CommissionComponent,
    CountMetric,
    GateModifier,
    MultiplierModifier,
    Plan,
    RatioMetric,
    SpiffComponent,
    SumMetric,
    TargetComponent,
)
from comp_sim.engine.windows import running_sum, window_sums
from comp_sim.periods import MONTHS_PER, Month, Window, plan_windows

QUOTA = TARGET + "bookings"
# Always measured, for statements: plan-year bookings against quota.
REPORTED_METRICS = ("bookings", "quota")

_BUILTIN_MEASURES: dict[str, tuple[str | DealMeasure, ...]] = {
    "bookings": (BOOKINGS,),
    "quota": (QUOTA,),
    "attainment": (BOOKINGS, QUOTA),
    "deals": (DEALS,),
    "new_logos": (NEW_LOGOS,),
    "new_logo_bookings": (NEW_LOGO_BOOKINGS,),
    "forecast": (FORECAST,),
    "forecast_accuracy": (BOOKINGS, FORECAST),
    "avg_discount": (DISCOUNTED_AMOUNT, BOOKINGS),
    "mbo": (MBO_SUM, MBO_COUNT),
}


def used_metrics(plan: Plan) -> list[str]:
    """Metric names the plan reads directly (components, modifiers), plus the reported ones."""
    names: list[str] = list(REPORTED_METRICS)
    for component in plan.components:
        if isinstance(component, TargetComponent):
            names.append(component.metric)
        elif isinstance(component, CommissionComponent):
            names.append(component.commission.basis)
            if component.commission.relative_to == "quota":
                names.append("quota")
        elif isinstance(component, SpiffComponent):
            names.append(component.spiff.metric)
    for modifier in plan.modifiers:
        body = modifier.multiplier if isinstance(modifier, MultiplierModifier) else modifier.gate
        names.append(body.metric)
    return list(dict.fromkeys(names))


def plan_deal_measure(plan: Plan, name: str) -> DealMeasure:
    """The deal measure behind a plan ``sum`` or ``count`` metric."""
    definition = plan.metrics[name]
    if isinstance(definition, SumMetric):
        return DealMeasure.of("sum", definition.sum, definition.where, source=name)
    assert isinstance(definition, CountMetric)
    where = dict(definition.where)
    if definition.count == "new_logos":
        where["new_logo"] = True
    return DealMeasure.of("count", "deals", where, source=name)


def measures_of(plan: Plan, name: str) -> list[str | DealMeasure]:
    """Cube measures (deal measures and plain keys) a metric is computed from."""
    target_of = split_target(name)
    if target_of is not None:
        return [QUOTA if target_of == "bookings" else TARGET + target_of]
    if name in _BUILTIN_MEASURES:
        return list(_BUILTIN_MEASURES[name])
    definition = plan.metrics[name]
    if isinstance(definition, RatioMetric):
        return [m for operand in definition.ratio for m in measures_of(plan, operand)]
    return [plan_deal_measure(plan, name)]


@dataclass(frozen=True)
class Needs:
    """What a set of plans needs from the data: deal measures and target metrics."""

    deal_measures: tuple[DealMeasure, ...]
    target_metrics: tuple[str, ...]


def needs(plans: Sequence[Plan]) -> Needs:
    deal: dict[str, DealMeasure] = {}
    targets: dict[str, None] = {}
    for plan in plans:
        for name in used_metrics(plan):
            for measure in measures_of(plan, name):
                if isinstance(measure, DealMeasure):
                    deal.setdefault(measure.key, measure)
                elif measure.startswith(TARGET):
                    targets[measure[len(TARGET):]] = None
    return Needs(tuple(deal.values()), tuple(targets))


def measure_key(measure: str | DealMeasure) -> str:
    return measure.key if isinstance(measure, DealMeasure) else measure


@dataclass
class PlanYear:
    """The measures of one plan year, (trials, reps, 12), and their window sums, which every
    component measured on the same grain shares. (It holds no reference to its contexts, so
    that the arrays are freed as soon as a run is done, without waiting for the cycle GC.)"""

    plan: Plan
    start: Month
    monthly: dict[str, np.ndarray]
    rep_ids: Sequence[str]
    _sums: dict[tuple[str, str, bool], np.ndarray] = field(default_factory=dict)

    def window_sums(self, key: str, measure: str, cumulative: bool) -> np.ndarray:
        """Sums of a monthly measure over each window (from the plan start when cumulative)."""
        cached = self._sums.get((key, measure, cumulative))
        if cached is None:
            if cumulative:
                cached = per_trial_row(running_sum, self.window_sums(key, measure, False))
            else:
                cached = per_trial_row(lambda v: window_sums(v, MONTHS_PER[measure]), self.monthly[key])
            self._sums[(key, measure, cumulative)] = cached
        return cached


def per_trial_row(function, values: np.ndarray) -> np.ndarray:
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
    measure: str
    cumulative: bool
    _cache: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def windows(self) -> list[Window]:
        return plan_windows(self.year.start, self.measure)

    def sum_of(self, measure: str | DealMeasure) -> np.ndarray:
        """Window sums of a monthly measure, (trials, reps, windows)."""
        return self.year.window_sums(measure_key(measure), self.measure, self.cumulative)

    def value(self, name: str) -> np.ndarray:
        """The metric ``name`` per (trials, reps, windows)."""
        if name not in self._cache:
            self._cache[name] = self._compute(name)
        return self._cache[name]

    def _compute(self, name: str) -> np.ndarray:
        plan = self.year.plan
        target_of = split_target(name)
        if target_of is not None or name in ("bookings", "quota", "deals", "new_logos",
                                             "new_logo_bookings", "forecast"):
            return self.sum_of(measures_of(plan, name)[0])
        if name == "attainment":
            return self._ratio(name, self.sum_of(BOOKINGS), self.sum_of(QUOTA), None,
                               "bookings", "quota", "add a quota covering the period")
        if name == "forecast_accuracy":
            return forecast_accuracy(self.sum_of(BOOKINGS), self.sum_of(FORECAST))
        if name == "avg_discount":
            return _safe_divide(self.sum_of(DISCOUNTED_AMOUNT), self.sum_of(BOOKINGS))
        if name == "mbo":
            return _safe_divide(self.sum_of(MBO_SUM), self.sum_of(MBO_COUNT))
        definition = plan.metrics[name]
        if isinstance(definition, RatioMetric):
            top, bottom = definition.ratio
            return self._ratio(name, self.value(top), self.value(bottom), definition.on_zero,
                               top, bottom, "set on_zero in the plan metric or add the data")
        return self.sum_of(plan_deal_measure(plan, name))

    def relative_to_quota(self, basis: str) -> np.ndarray:
        """basis / quota, what a ``relative_to: quota`` commission compares with its band edges;
        a non-zero basis over a quota of 0 is a data error naming rep and period."""
        return self._ratio(f"{basis} relative to quota", self.value(basis), self.value("quota"), None,
                           basis, "quota", "add a quota covering the period")

    def _ratio(self, name: str, top: np.ndarray, bottom: np.ndarray, on_zero: float | None,
               top_name: str, bottom_name: str, fix: str) -> np.ndarray:
        """top / bottom; 0 / 0 is 0; x / 0 is ``on_zero`` or a data error naming rep and period."""
        zero = per_trial_row(_is_zero, bottom)
        if not zero.any():
            return np.divide(top, bottom, out=np.empty_like(top, dtype="float64"))
        broken = zero & ~_is_zero(top)
        if not broken.any():
            return _safe_divide(top, bottom, zero)
        if on_zero is None:
            raise DataError(self._zero_issues(name, broken, top, top_name, bottom_name, fix), int(broken.sum()))
        return np.where(broken, on_zero, _safe_divide(top, bottom, zero))

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


def forecast_accuracy(bookings: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """max(0, 1 - |bookings - forecast| / forecast); with a forecast of 0: 1 when bookings are
    0 (at 9 decimals), else 0.

    >>> forecast_accuracy(np.array([90.0, 110.0, 0.0, 5.0, 300.0]), np.array([100.0, 100.0, 0.0, 0.0, 100.0])).tolist()
    [0.9, 0.9, 1.0, 0.0, 0.0]
    """
    accuracy = np.subtract(bookings, forecast)
    np.abs(accuracy, out=accuracy)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(accuracy, forecast, out=accuracy)
    np.subtract(1.0, accuracy, out=accuracy)
    np.maximum(accuracy, 0.0, out=accuracy)
    no_forecast = ~(forecast > 0)
    if no_forecast.any():
        np.copyto(accuracy, np.where(_is_zero(bookings), 1.0, 0.0), where=no_forecast)
    return accuracy


def _is_zero(values: np.ndarray) -> np.ndarray:
    """Zero at 9 decimals."""
    return np.abs(values) < HALF_STEP


def _safe_divide(top: np.ndarray, bottom: np.ndarray, zero: np.ndarray | None = None) -> np.ndarray:
    """top / bottom with 0 where bottom is 0."""
    zero = _is_zero(bottom) if zero is None else zero
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.divide(top, bottom, out=np.empty_like(top, dtype="float64"))
    np.copyto(out, 0.0, where=zero)
    return out


def gate_and_multiplier_metrics(plan: Plan, component_id: str) -> tuple[list[GateModifier], list[MultiplierModifier]]:
    """The gates and multipliers that apply to a component, in plan order."""
    gates = [m for m in plan.modifiers if isinstance(m, GateModifier) and component_id in m.applies_to]
    multipliers = [m for m in plan.modifiers if isinstance(m, MultiplierModifier) and component_id in m.applies_to]
    return gates, multipliers
