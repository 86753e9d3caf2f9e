"""The measures a run aggregates, and the data table each comes from: the vocabulary shared by the
plan's metrics (what they are computed from), the cube (historical data aggregated once) and the
Monte-Carlo trials (drawn straight into the same measures).

A measure is monthly, per rep: a sum or count over credited deals (``DealMeasure``), a forecast,
an MBO score sum and count (mean score = sum / count over a window), or a target from the quotas
file (``target.NAME``). Keys are strings, so a cube is a mapping from key to array.

>>> target_key("new_logos"), table_of(target_key("new_logos")), table_of(BOOKINGS)
('target.new_logos', 'quotas', 'deals')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Union

Scalar = Union[str, bool, int, float]
FORECAST = "forecast"
MBO_SUM = "mbo_sum"
MBO_COUNT = "mbo_count"
TARGET_PREFIX = "target."


@dataclass(frozen=True)
class DealMeasure:
    """A sum or count over credited deals, optionally filtered by deal columns.

    ``sum``: value x split over the matching deals (``times`` multiplies in another column, as
    for the discount-weighted amount). ``count``: deals with split > 0.

    >>> DealMeasure("sum", "amount", where=(("product", ("Analytics", "Platform")),)).key
    'sum:amount[product=Analytics|Platform]'
    >>> DealMeasure("count", where=(("new_logo", (True,)),)).key
    'count:deals[new_logo=True]'
    """

    kind: Literal["sum", "count"]
    column: str = "amount"
    where: tuple[tuple[str, tuple[Scalar, ...]], ...] = ()
    times: str | None = None
    source: str = field(default="", compare=False)  # the plan metric that asked for it, for errors

    @classmethod
    def of(cls, kind: Literal["sum", "count"], column: str, where: Mapping[str, object], *,
           times: str | None = None, source: str = "") -> DealMeasure:
        """A measure with its filter in canonical order (so equal filters share one array)."""
        canonical = tuple(
            sorted(
                (col, tuple(sorted(set(v if isinstance(v, list) else [v]), key=repr)))
                for col, v in where.items()
            )
        )
        return cls(kind, column if kind == "sum" else "deals", canonical, times, source)

    @property
    def key(self) -> str:
        text = f"{self.kind}:{self.column if self.kind == 'sum' else 'deals'}"
        if self.times:
            text += f"*{self.times}"
        if self.where:
            text += "[" + ",".join(f"{c}={'|'.join(map(str, v))}" for c, v in self.where) + "]"
        return text

    @property
    def sums_amount(self) -> bool:
        """Whether the measure grows with a deal's amount (a sum of ``amount``)."""
        return self.kind == "sum" and self.column == "amount"

    @property
    def new_logos_only(self) -> bool:
        """Whether only new-logo deals count."""
        return any(column == "new_logo" and tuple(values) == (True,) for column, values in self.where)


Measure = Union[DealMeasure, str]  # a deal measure, or the key of a forecast, MBO or target measure

BOOKINGS = DealMeasure("sum", "amount")
DEALS = DealMeasure("count", "deals")
NEW_LOGOS = DealMeasure("count", "deals", where=(("new_logo", (True,)),))
NEW_LOGO_BOOKINGS = DealMeasure("sum", "amount", where=(("new_logo", (True,)),))
DISCOUNTED_AMOUNT = DealMeasure("sum", "amount", times="discount")
# Company bookings: revenue credits only (overlay credits count for the rep, not for the company).
COMPANY_BOOKINGS = DealMeasure("sum", "amount", where=(("credit_type", ("revenue",)),))


def target_key(metric: str) -> str:
    """The measure holding the targets for a metric, from the quotas file."""
    return TARGET_PREFIX + metric


QUOTA = target_key("bookings")


def split_target(name: str) -> str | None:
    """The metric a ``target.NAME`` key or metric name is the target of, or None for others.

    >>> split_target("target.new_logos"), split_target("bookings")
    ('new_logos', None)
    """
    return name[len(TARGET_PREFIX):] if name.startswith(TARGET_PREFIX) else None


def measure_key(measure: Measure) -> str:
    return measure.key if isinstance(measure, DealMeasure) else measure


def table_of(measure: Measure) -> str:
    """The data table a measure is aggregated from: deals, quotas, forecasts or mbo."""
    if isinstance(measure, DealMeasure):
        return "deals"
    if split_target(measure) is not None:
        return "quotas"
    return {FORECAST: "forecasts", MBO_SUM: "mbo", MBO_COUNT: "mbo"}[measure]


@dataclass(frozen=True)
class Needs:
    """What a set of plans needs from the data: deal measures and target metrics (forecasts and
    MBO scores are always available in a cube, and made only when read)."""

    deal_measures: tuple[DealMeasure, ...] = ()
    target_metrics: tuple[str, ...] = ()

    @classmethod
    def of(cls, measures: Iterable[Measure]) -> Needs:
        deal: dict[str, DealMeasure] = {}
        targets: dict[str, None] = {}
        for measure in measures:
            if isinstance(measure, DealMeasure):
                deal.setdefault(measure.key, measure)
            elif (metric := split_target(measure)) is not None:
                targets[metric] = None
        return cls(tuple(deal.values()), tuple(targets))

    def __or__(self, other: Needs) -> Needs:
        return Needs.of([*self.deal_measures, *other.deal_measures,
                         *(target_key(t) for t in (*self.target_metrics, *other.target_metrics))])
