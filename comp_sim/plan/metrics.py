"""Metrics, each declared once: the built-in metrics (``BUILTIN_METRICS``), the plan metric
kinds (``sum``, ``count``, ``ratio``, ``team``) and ``target.NAME``, with

- ``kind``: what it can feed: ``money`` (an additive amount, a commission basis), ``count`` (an
  additive count, what a SPIFF pays per unit of), ``ratio`` or ``score``;
- ``measures``: the monthly measures it is computed from (``comp_sim.measures``), which also say
  which data table it needs and what Monte-Carlo trials draw for it;
- ``compute``: its array function over the windows of one grain, from the window sums of its
  measures (``Windows``, the engine's metric context);
- ``additive``: whether summing it over reps means something (team metrics add it up);
- ``tags``: how plan insight classifies it: ``bookings`` (it grows with a deal's amount),
  ``new_logos``, ``discount``, ``accuracy`` (it pays for landing on the forecast);
- ``at_attainment``: for a metric set by bookings against quota alone, what it is for a seller
  at attainment ``a``: ``ratio`` (``a`` itself), ``money`` (``a`` x the window's quota) or
  ``quota`` (the quota); plan insight works out a reference rep's pay with it. Plan metrics work
  theirs out (``scale``): bookings over quota is a ratio, a roll-up is its metric's.

Engine, explain, lint, gaming, trials and the reference loop ask these declarations; a new
built-in metric is one ``BuiltinMetric`` entry (see CONTRIBUTING.md).

>>> BUILTIN_METRICS["attainment"].kind, BUILTIN_METRICS["attainment"].additive
('ratio', False)
>>> sorted(BUILTIN_METRICS["new_logo_bookings"].tags)
['bookings', 'new_logos']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, Union

import numpy as np
from pydantic import Field

from comp_sim.measures import (
    BOOKINGS,
    DEALS,
    DISCOUNTED_AMOUNT,
    FORECAST,
    MBO_COUNT,
    MBO_SUM,
    NEW_LOGO_BOOKINGS,
    NEW_LOGOS,
    QUOTA,
    DealMeasure,
    Measure,
    split_target,
    target_key,
)
from comp_sim.plan.components import MetricKind, MetricUse
from comp_sim.plan.rules import HALF_STEP, StrictModel, is_zero, kernel_views

if TYPE_CHECKING:
    from comp_sim.plan.models import Plan

Tag = Literal["bookings", "new_logos", "discount", "accuracy"]
Scale = Literal["ratio", "money", "quota"]
Scalar = Union[str, bool, int, float]
WhereValue = Union[Scalar, list[Scalar]]


class Windows(Protocol):
    """Metric values over the windows of one grain of a plan year, (trials, reps, windows)."""

    def sum_of(self, measure: Measure) -> np.ndarray:
        """Window sums of a monthly measure."""
        ...

    def value(self, name: str) -> np.ndarray:
        """Another metric over the same windows."""
        ...

    def ratio(self, name: str, top: np.ndarray, bottom: np.ndarray, on_zero: float | None,
              top_name: str, bottom_name: str, fix: str) -> np.ndarray:
        """top / bottom; 0 / 0 is 0; x / 0 is ``on_zero`` or a data error naming rep and window."""
        ...

    def team(self, name: str, direct: bool, include_self: bool) -> np.ndarray:
        """An additive metric summed over each rep's team (direct reports only with ``direct``;
        the rep's own value too with ``include_self``)."""
        ...


# --------------------------------------------------------------------------- array functions


def safe_divide(top: np.ndarray, bottom: np.ndarray, zero: np.ndarray | None = None) -> np.ndarray:
    """top / bottom with 0 where bottom is 0 (at 9 decimals).

    >>> safe_divide(np.array([1.0, 2.0]), np.array([4.0, 0.0])).tolist()
    [0.25, 0.0]
    """
    out = np.empty_like(top, dtype="float64")
    views = kernel_views(top, bottom, out) if zero is None else None
    if views is not None:
        from comp_sim.plan import kernels

        kernels.divide_where_not_zero(*views[:2], HALF_STEP, 0.0, views[2])
        return out
    zero = is_zero(bottom) if zero is None else zero
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(top, bottom, out=out)
    np.copyto(out, 0.0, where=zero)
    return out


def forecast_accuracy(bookings: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """max(0, 1 - |bookings - forecast| / forecast); with a forecast of 0: 1 when bookings are
    0 (at 9 decimals), else 0.

    >>> forecast_accuracy(np.array([90.0, 110.0, 0.0, 5.0, 300.0]), np.array([100.0, 100.0, 0.0, 0.0, 100.0])).tolist()
    [0.9, 0.9, 1.0, 0.0, 0.0]
    """
    out = np.empty_like(bookings, dtype="float64")
    views = kernel_views(bookings, forecast, out)
    if views is not None:
        from comp_sim.plan import kernels

        kernels.forecast_accuracy(*views[:2], HALF_STEP, views[2])
        return out
    accuracy = np.subtract(bookings, forecast, out=out)
    np.abs(accuracy, out=accuracy)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(accuracy, forecast, out=accuracy)
    np.subtract(1.0, accuracy, out=accuracy)
    np.maximum(accuracy, 0.0, out=accuracy)
    no_forecast = ~(forecast > 0)
    if no_forecast.any():
        np.copyto(accuracy, np.where(is_zero(bookings), 1.0, 0.0), where=no_forecast)
    return accuracy


# --------------------------------------------------------------------------- built-in metrics


@dataclass(frozen=True)
class BuiltinMetric:
    """A metric every plan can read, computed from the data."""

    name: str
    kind: MetricKind
    description: str
    measures: tuple[Measure, ...]
    compute: Callable[[Windows], np.ndarray]
    additive: bool = False
    targetable: bool = False  # a ``target.NAME`` row in the quotas file can set its target
    tags: frozenset[Tag] = field(default_factory=frozenset)
    at_attainment: Scale | None = None

    def definition_kind(self, plan: Plan) -> MetricKind:
        return self.kind

    def measures_of(self, plan: Plan, name: str = "") -> tuple[Measure, ...]:
        return self.measures

    def evaluate(self, windows: Windows, name: str) -> np.ndarray:
        return self.compute(windows)

    def tags_of(self, plan: Plan) -> frozenset[Tag]:
        return self.tags

    def references(self) -> list[MetricUse]:
        return []

    def scale(self, plan: Plan) -> Scale | None:
        return self.at_attainment


def _sum(measure: Measure) -> Callable[[Windows], np.ndarray]:
    return lambda w: w.sum_of(measure)


BUILTIN_METRICS: dict[str, BuiltinMetric] = {
    m.name: m
    for m in [
        BuiltinMetric("bookings", "money", "sum of credited deal amounts (amount x split)", (BOOKINGS,),
                      _sum(BOOKINGS), additive=True, targetable=True, tags=frozenset({"bookings"}),
                      at_attainment="money"),
        BuiltinMetric("quota", "money", "the target for bookings (same as target.bookings)", (QUOTA,),
                      _sum(QUOTA), additive=True, at_attainment="quota"),
        BuiltinMetric("attainment", "ratio", "bookings / quota", (BOOKINGS, QUOTA),
                      lambda w: w.ratio("attainment", w.sum_of(BOOKINGS), w.sum_of(QUOTA), None,
                                        "bookings", "quota", "add a quota covering the period"),
                      tags=frozenset({"bookings"}), at_attainment="ratio"),
        BuiltinMetric("deals", "count", "number of deals credited to the rep (split > 0)", (DEALS,),
                      _sum(DEALS), additive=True, targetable=True),
        BuiltinMetric("new_logos", "count", "number of new-logo deals credited to the rep", (NEW_LOGOS,),
                      _sum(NEW_LOGOS), additive=True, targetable=True, tags=frozenset({"new_logos"})),
        BuiltinMetric("new_logo_bookings", "money", "credited amount of new-logo deals", (NEW_LOGO_BOOKINGS,),
                      _sum(NEW_LOGO_BOOKINGS), additive=True, targetable=True,
                      tags=frozenset({"bookings", "new_logos"})),
        BuiltinMetric("forecast", "money", "the commit the rep submitted for the window", (FORECAST,),
                      _sum(FORECAST), additive=True),
        BuiltinMetric("forecast_accuracy", "ratio",
                      "max(0, 1 - |bookings - forecast| / forecast); with forecast 0: 1 if bookings is 0 else 0",
                      (BOOKINGS, FORECAST), lambda w: forecast_accuracy(w.sum_of(BOOKINGS), w.sum_of(FORECAST)),
                      tags=frozenset({"accuracy"})),
        BuiltinMetric("avg_discount", "ratio", "amount-weighted mean discount of credited deals (0 with none)",
                      (DISCOUNTED_AMOUNT, BOOKINGS),
                      lambda w: safe_divide(w.sum_of(DISCOUNTED_AMOUNT), w.sum_of(BOOKINGS)),
                      tags=frozenset({"discount"})),
        BuiltinMetric("mbo", "score", "mean MBO score over the window (0 with no score)", (MBO_SUM, MBO_COUNT),
                      lambda w: safe_divide(w.sum_of(MBO_SUM), w.sum_of(MBO_COUNT))),
    ]
}


# --------------------------------------------------------------------------- plan metrics


def _deal_tags(measure: DealMeasure) -> frozenset[Tag]:
    """How insight classifies a sum or count over deals."""
    tags: set[Tag] = set()
    if measure.sums_amount and not measure.times:
        tags.add("bookings")
    if measure.new_logos_only:
        tags.add("new_logos")
    if any(word in measure.key for word in ("discount", "margin")):
        tags.add("discount")
    return frozenset(tags)


class DealMetric(StrictModel):
    """A plan metric over the credited deals matching ``where``."""

    where: dict[str, WhereValue] = Field(
        default_factory=dict, description="Deal column -> value or list of values to keep."
    )

    additive: ClassVar[bool] = True

    def deal_measure(self, name: str) -> DealMeasure:
        raise NotImplementedError

    def measures_of(self, plan: Plan, name: str = "") -> tuple[Measure, ...]:
        return (self.deal_measure(name),)

    def evaluate(self, windows: Windows, name: str) -> np.ndarray:
        return windows.sum_of(self.deal_measure(name))

    def tags_of(self, plan: Plan) -> frozenset[Tag]:
        return _deal_tags(self.deal_measure(""))

    def references(self) -> list[MetricUse]:
        return []

    def scale(self, plan: Plan) -> Scale | None:
        return None


class SumMetric(DealMetric):
    """Sum of a deal column (credited: value x split) over the deals matching `where`."""

    sum: str = Field(description="Deal column to add up, e.g. amount.")

    def definition_kind(self, plan: Plan) -> MetricKind:
        return "money"

    def deal_measure(self, name: str) -> DealMeasure:
        return DealMeasure.of("sum", self.sum, self.where, source=name)


class CountMetric(DealMetric):
    """Number of credited deals (split > 0) matching `where`."""

    count: Literal["deals", "new_logos"] = Field(description="What to count: deals | new_logos.")

    def definition_kind(self, plan: Plan) -> MetricKind:
        return "count"

    def deal_measure(self, name: str) -> DealMeasure:
        where = dict(self.where)
        if self.count == "new_logos":
            where["new_logo"] = True
        return DealMeasure.of("count", "deals", where, source=name)


class RatioMetric(StrictModel):
    """One metric divided by another over the same window; 0 / 0 is 0."""

    ratio: tuple[str, str] = Field(description="[numerator, denominator] metric names.")
    on_zero: float | None = Field(
        None,
        description="Value when the denominator is 0 and the numerator is not "
        "(default: a data error).",
    )

    additive: ClassVar[bool] = False

    def definition_kind(self, plan: Plan) -> MetricKind:
        return "ratio"

    def measures_of(self, plan: Plan, name: str = "") -> tuple[Measure, ...]:
        return tuple(m for operand in self.ratio for m in plan.measures_of(operand))

    def evaluate(self, windows: Windows, name: str) -> np.ndarray:
        top, bottom = self.ratio
        return windows.ratio(name, windows.value(top), windows.value(bottom), self.on_zero,
                             top, bottom, "set on_zero in the plan metric or add the data")

    def tags_of(self, plan: Plan) -> frozenset[Tag]:
        """A ratio grows with bookings when its numerator does and its denominator does not (a
        mix or an accuracy does not); it reads new logos or discounts when either side does."""
        top, bottom = (plan.tags_of(operand) for operand in self.ratio)
        tags = (top | bottom) - {"bookings"}
        if "bookings" in top and "bookings" not in bottom:
            tags |= {"bookings"}
        return tags

    def references(self) -> list[MetricUse]:
        return [MetricUse(("ratio", j), operand) for j, operand in enumerate(self.ratio)]

    def scale(self, plan: Plan) -> Scale | None:
        """Bookings over quota (however rolled up) is attainment."""
        top, bottom = (plan.metric(operand).scale(plan) for operand in self.ratio)
        return "ratio" if (top, bottom) == ("money", "quota") else None


class TeamMetric(StrictModel):
    """An additive metric summed over the rep's team: every rep whose chain of managers reaches
    them (direct and indirect reports), or direct reports only; never the rep themself."""

    team: str = Field(description="Additive metric summed over the team, e.g. bookings, quota or target.new_logos.")
    direct: bool = Field(False, description="Direct reports only (default: direct and indirect).")
    include_self: bool = Field(False, description="Add the rep's own value: the whole org under the rep, the rep "
                                                  "included (a roll-up), so one plan can measure a seller on their "
                                                  "own number and a manager on their org's.")

    additive: ClassVar[bool] = False  # a team's team would count reps twice

    def definition_kind(self, plan: Plan) -> MetricKind:
        return plan.metric_kind(self.team) or "money"

    def measures_of(self, plan: Plan, name: str = "") -> tuple[Measure, ...]:
        return plan.measures_of(self.team)

    def evaluate(self, windows: Windows, name: str) -> np.ndarray:
        return windows.team(self.team, self.direct, self.include_self)

    def tags_of(self, plan: Plan) -> frozenset[Tag]:
        return plan.tags_of(self.team)

    def references(self) -> list[MetricUse]:
        return [MetricUse(("team",), self.team, additive=True,
                          why="a team metric sums an additive metric (bookings, quota, deals, new_logos, "
                              "new_logo_bookings, forecast, target.NAME, or a plan sum or count); build team "
                              "ratios with ratio, e.g. team_attainment: {ratio: [team_bookings, team_quota]}")]

    def scale(self, plan: Plan) -> Scale | None:
        """A roll-up is, for a seller without reports, the seller's own metric."""
        return plan.metric(self.team).scale(plan) if self.include_self else None


METRIC_KINDS: dict[str, type[StrictModel]] = {"sum": SumMetric, "count": CountMetric, "ratio": RatioMetric,
                                              "team": TeamMetric}


@dataclass(frozen=True)
class TargetMetric:
    """``target.NAME``: the targets of an additive metric from the quotas file."""

    of: str
    kind: MetricKind
    tags: frozenset[Tag]

    additive: ClassVar[bool] = True

    def definition_kind(self, plan: Plan) -> MetricKind:
        return self.kind

    def measures_of(self, plan: Plan, name: str = "") -> tuple[Measure, ...]:
        return (self.measure,)

    @property
    def measure(self) -> Measure:
        return QUOTA if self.of == "bookings" else target_key(self.of)

    def evaluate(self, windows: Windows, name: str) -> np.ndarray:
        return windows.sum_of(self.measure)

    def tags_of(self, plan: Plan) -> frozenset[Tag]:
        return self.tags & {"new_logos"}

    def references(self) -> list[MetricUse]:
        return []

    def scale(self, plan: Plan) -> Scale | None:
        return "quota" if self.of == "bookings" else None


Metric = Union[BuiltinMetric, SumMetric, CountMetric, RatioMetric, TeamMetric, TargetMetric]


def targetable(name: str, definition: object) -> bool:
    """Whether ``target.NAME`` exists: for additive built-ins and plan sum/count metrics."""
    if isinstance(definition, BuiltinMetric):
        return definition.targetable
    return isinstance(definition, DealMetric) and bool(name)


__all__ = ["BUILTIN_METRICS", "BuiltinMetric", "SumMetric", "CountMetric", "RatioMetric", "TeamMetric", "TargetMetric",
           "METRIC_KINDS", "Metric", "MetricKind", "Windows", "forecast_accuracy", "safe_divide", "split_target"]
