"""The payout rules of the plan language: each rule's model (validation) and its array function
(semantics), side by side.

An array function takes a metric array of any shape (float64) and returns an array of the same
shape. Metrics are rounded to 9 decimal places before they are *compared* with curve points,
band edges and gate minimums (SPEC "Edges and floating point"), so a quota spread over months
and summed back lands exactly on its edge; amounts are then computed from the metric itself, so
rounding never moves money.

Curves and bands are piecewise linear: ``compile_curve``, ``compile_tiers`` turn a rule into a
``PiecewiseLinear`` (thresholds, and per segment an intercept and a slope) once, and the engine
keeps it for every chunk of trials. SPEC's worked example, bands ``[{to: 1.0, rate: 1.0},
{rate: 2.0}]`` at attainment 1.2:

>>> bands = [Band(to=1.0, rate=1.0), Band(rate=2.0)]
>>> float(banded(np.array(1.2), bands, "marginal")), float(banded(np.array(1.2), bands, "retroactive"))
(1.4, 2.4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from comp_sim.limits import MAX_NUMBER, NUMBER_RULE

EDGE_DECIMALS = 9
HALF_STEP = 0.5 * 10.0**-EDGE_DECIMALS  # round(m, 9) >= e  <=>  m >= e - HALF_STEP
KERNEL_MIN_SIZE = 1 << 15  # values from which an array function runs its compiled kernel (plan/kernels.py)


class StrictModel(BaseModel):
    """Unknown keys are errors; models are immutable once validated; every number (money,
    thresholds, rates, curve points) is finite and within ``MAX_NUMBER``, since a NaN gate
    minimum or a rate of 1e308 would silently change or overflow every payout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        numbers = value if isinstance(value, list) and all(isinstance(v, tuple) for v in value) else [value]
        for number in (n for item in numbers for n in (item if isinstance(item, tuple) else (item,))):
            if isinstance(number, float) and not (math.isfinite(number) and abs(number) <= MAX_NUMBER):
                raise PydanticCustomError("number_range", NUMBER_RULE + " (got {number})", {"number": number})
        return value


# --------------------------------------------------------------------------- edges


def at_edges(value: np.ndarray | float) -> np.ndarray:
    """An edge (or a metric) as compared: rounded to 9 decimal places."""
    return np.round(np.asarray(value, dtype="float64"), EDGE_DECIMALS)


def is_zero(values: np.ndarray) -> np.ndarray:
    """Zero at 9 decimals."""
    return np.abs(values) < HALF_STEP


def count_at_or_below(edges: np.ndarray, metric: np.ndarray) -> np.ndarray:
    """How many edges the metric has reached: ``round(metric, 9) >= round(edge, 9)``.

    Comparing with the edge moved down half a step of the 9th decimal is the same test as
    rounding the metric first, without a pass over the metric to round it.

    >>> count_at_or_below(np.array([1.0, 1.2]), np.array([0.9999999996, 1.1999999994, 1.2])).tolist()
    [1, 1, 2]
    """
    return _count(at_edges(edges) - HALF_STEP, metric, np.greater_equal)


def count_below(edges: np.ndarray, metric: np.ndarray) -> np.ndarray:
    """How many edges lie strictly below the metric: ``round(metric, 9) > round(edge, 9)``.

    >>> count_below(np.array([1.0]), np.array([1.0000000004, 1.0000000006])).tolist()
    [0, 1]
    """
    return _count(at_edges(edges) + HALF_STEP, metric, np.greater)


def _count(thresholds: np.ndarray, metric: np.ndarray, reached) -> np.ndarray:
    """Number of thresholds the metric has reached, as an index array.

    A few comparisons over the whole array are much faster than a binary search per element
    for the handful of edges a plan has."""
    metric = np.asarray(metric)
    if not len(thresholds):
        return np.zeros_like(metric, dtype=np.intp)
    count = reached(metric, thresholds[0]).astype(np.intp)  # keeps the metric's memory layout
    for threshold in thresholds[1:]:
        count += reached(metric, threshold)
    return count


@dataclass(frozen=True)
class PiecewiseLinear:
    """``intercept[k] + slope[k] x metric`` on segment k, where k counts the ``thresholds`` the
    metric has reached (``>=`` them, or ``>`` with ``strict``); then at most ``cap``."""

    thresholds: np.ndarray
    strict: bool
    intercepts: np.ndarray
    slopes: np.ndarray
    cap: float | None = None

    def __call__(self, metric: np.ndarray) -> np.ndarray:
        m = np.asarray(metric, dtype="float64")
        out = np.empty_like(m)
        views = kernel_views(m, out)
        if views is not None:
            from comp_sim.plan import kernels

            kernels.piecewise_linear(views[0], self.thresholds, self.strict, self.intercepts, self.slopes,
                                     np.inf if self.cap is None else self.cap, views[1])
            return out
        segment = _count(self.thresholds, m, np.greater if self.strict else np.greater_equal)
        _linear(segment, m, self.intercepts, self.slopes, out)
        if self.cap is not None:
            np.minimum(out, self.cap, out=out)
        return out


def _linear(segment: np.ndarray, metric: np.ndarray, intercepts: np.ndarray, slopes: np.ndarray,
            out: np.ndarray) -> None:
    """``intercept + slope x metric`` with the coefficients of each element's segment, into
    ``out`` (laid out like the metric). The lookups run over the arrays in memory order."""
    flat_out, flat_segment, flat_metric = (_memory_order(a) for a in (out, segment, metric))
    if flat_out is None or flat_segment is None or flat_metric is None:
        out[...] = np.take(slopes, segment) * metric + np.take(intercepts, segment)
        return
    # np.take into ``out=`` buffers its result (mode "raise"); a fresh array is faster
    np.multiply(np.take(slopes, flat_segment), flat_metric, out=flat_out)
    flat_out += np.take(intercepts, flat_segment)


def _memory_order(values: np.ndarray) -> np.ndarray | None:
    """A flat view of the array in memory order, or None when it is not one block."""
    flat = values.ravel(order="K")
    return flat if values.size == 0 or np.may_share_memory(flat, values) else None


def kernel_views(*arrays: np.ndarray) -> list[np.ndarray] | None:
    """The arrays as flat views in memory order, for a compiled kernel to walk side by side:
    when they are large enough to be worth one (KERNEL_MIN_SIZE), float64, of one shape and
    layout, each one block; else None, and numpy computes.

    >>> kernel_views(np.zeros(10)) is None
    True
    >>> months_first = np.zeros((4, 2, 4096)).transpose(1, 2, 0)
    >>> [v.shape for v in kernel_views(months_first, np.empty_like(months_first))]
    [(32768,), (32768,)]
    >>> kernel_views(months_first, np.zeros(months_first.shape)) is None  # laid out otherwise
    True
    """
    first = arrays[0]
    if first.size < KERNEL_MIN_SIZE:
        return None
    views = []
    for values in arrays:
        if values.dtype != np.float64 or values.shape != first.shape or _steps(values) != _steps(first):
            return None
        flat = _memory_order(values)
        if flat is None:
            return None
        views.append(flat)
    return views


def _steps(values: np.ndarray) -> list[int]:
    """The strides of the axes longer than 1 (what says how an array is laid out)."""
    return [stride for length, stride in zip(values.shape, values.strides) if length > 1]


def _floats(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype="float64")


# --------------------------------------------------------------------------- curves


def _check_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """x values must increase; one repeat of an x makes a step (right-continuous)."""
    for i in range(1, len(points)):
        prev, cur = points[i - 1][0], points[i][0]
        if cur < prev:
            raise PydanticCustomError(
                "points_order",
                "x values must increase (got {cur} after {prev})",
                {"cur": cur, "prev": prev},
            )
        if cur == prev and i >= 2 and points[i - 2][0] == cur:
            raise PydanticCustomError(
                "points_order",
                "an x value may repeat once to make a step, not more (got {cur} three times)",
                {"cur": cur},
            )
    return points


Points = Annotated[
    list[tuple[float, float]],
    Field(
        min_length=1,
        description="(metric, value) pairs with x increasing; repeat an x once for a step.",
    ),
]


class Curve(StrictModel):
    """Piecewise-linear payout curve: metric -> fraction of target."""

    points: Points
    below: float = Field(0.0, description="Fraction paid below the first point (a threshold).")
    beyond: Literal["extend", "hold"] = Field(
        "extend",
        description="After the last point: `extend` continues the last slope, `hold` keeps the last value.",
    )
    cap: float | None = Field(None, ge=0, description="Ceiling on the fraction (none by default).")

    _points_order = field_validator("points")(_check_points)

    def steps(self) -> list[float]:
        """The x values where the curve jumps (a repeated x with another y)."""
        p = self.points
        return [p[k][0] for k in range(1, len(p)) if p[k][0] == p[k - 1][0] and p[k][1] != p[k - 1][1]]


def compile_curve(rule: Curve) -> PiecewiseLinear:
    """The curve as segments: k = 0 is below the first point, k = n at or after the last; a
    segment between two equal x (a step) is never reached."""
    xs = [float(x) for x in at_edges(_floats([p[0] for p in rule.points]))]
    ys = [float(p[1]) for p in rule.points]
    intercepts, slopes = [rule.below], [0.0]
    for k in range(1, len(xs)):
        width = xs[k] - xs[k - 1]
        slope = (ys[k] - ys[k - 1]) / width if width > 0 else 0.0
        intercepts.append(ys[k - 1] - slope * xs[k - 1])
        slopes.append(slope)
    extend = _extend_slope(xs, ys, rule.beyond)
    intercepts.append(ys[-1] - extend * xs[-1])
    slopes.append(extend)
    return PiecewiseLinear(_floats(xs) - HALF_STEP, False, _floats(intercepts), _floats(slopes), rule.cap)


def curve(metric: np.ndarray, rule: Curve) -> np.ndarray:
    """Piecewise-linear fraction through ``rule.points``; steps are right-continuous.

    >>> c = Curve(points=[(0.5, 0.25), (1.0, 1.0), (1.5, 2.0)], cap=3.0)
    >>> curve(np.array([0.4, 0.5, 0.75, 1.0, 2.0, 5.0]), c).tolist()
    [0.0, 0.25, 0.625, 1.0, 3.0, 3.0]
    >>> step = Curve(points=[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (2.0, 1.0)], beyond="hold")
    >>> curve(np.array([0.999999999, 1.0, 3.0]), step).tolist()
    [0.0, 1.0, 1.0]
    """
    return compile_curve(rule)(metric)


def _extend_slope(xs: list[float], ys: list[float], beyond: str) -> float:
    """Slope continued after the last point: that of the last non-vertical segment, or 0."""
    if beyond == "hold":
        return 0.0
    for i in range(len(xs) - 1, 0, -1):
        if xs[i] > xs[i - 1]:
            return (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
    return 0.0


# --------------------------------------------------------------------------- bands


class Band(StrictModel):
    """One band of a tier or commission table, covering (previous `to`, `to`]."""

    to: float | None = Field(
        None, gt=0, description="Upper edge of the band, included; omitted on the last band only."
    )
    rate: float = Field(ge=0, description="Rate applied inside the band.")


def _check_bands(bands: list[Band]) -> list[Band]:
    """Edges ascend and only the last band is open-ended."""
    for i, band in enumerate(bands):
        last = i == len(bands) - 1
        if last and band.to is not None:
            raise PydanticCustomError(
                "bands_open",
                "the last band must have no `to`: it holds everything above the previous edge "
                "(got to: {to})",
                {"to": band.to},
            )
        if not last and band.to is None:
            raise PydanticCustomError(
                "bands_open",
                "only the last band may omit `to` (band {index} has none)",
                {"index": i + 1},
            )
        if i and band.to is not None and band.to <= bands[i - 1].to:
            raise PydanticCustomError(
                "bands_order",
                "band edges must increase (got {to} after {prev})",
                {"to": band.to, "prev": bands[i - 1].to},
            )
    return bands


Bands = Annotated[list[Band], Field(min_length=1, description="Bands in ascending order.")]
BandMode = Literal["marginal", "retroactive"]


def compile_bands(bands: Sequence[Band], mode: str, cap: float | None = None) -> PiecewiseLinear:
    """Rate x metric by bands starting at 0, as segments.

    ``retroactive``: segment 0 is at or below 0, then one per band the metric is in (past an
    edge means strictly above it). ``marginal`` is continuous: segment k covers band k, its
    intercept makes it meet band k - 1."""
    edges = [float(e) for e in at_edges(_floats([b.to for b in bands[:-1]]))]
    rates = [b.rate for b in bands]
    if mode == "retroactive":
        thresholds = _floats([0.0, *(e + HALF_STEP for e in edges)])
        return PiecewiseLinear(thresholds, True, np.zeros(len(rates) + 1), _floats([0.0, *rates]), cap)
    lowers = [0.0, *edges]
    intercepts, slopes, paid_below = [0.0], [0.0], 0.0
    for lower, rate, upper in zip(lowers, rates, [*edges, None]):
        intercepts.append(paid_below - rate * lower)
        slopes.append(rate)
        if upper is not None:
            paid_below += rate * (upper - lower)
    return PiecewiseLinear(_floats(lowers), False, _floats(intercepts), _floats(slopes), cap)


def banded(metric: np.ndarray, bands: Sequence[Band], mode: str) -> np.ndarray:
    """Rate x metric by bands starting at 0; a band covers (previous ``to``, ``to``].

    ``marginal``: each band's rate on the part of the metric inside it.
    ``retroactive``: the rate of the band holding the metric, on all of it.
    A metric at or below 0 earns 0.

    >>> bands = [Band(to=1.0, rate=1.0), Band(to=1.5, rate=1.5), Band(rate=2.0)]
    >>> banded(np.array([0.5, 1.0, 1.2, 1.5, 2.0]), bands, "marginal").round(12).tolist()
    [0.5, 1.0, 1.3, 1.75, 2.75]
    >>> banded(np.array([1.0, 1.000000001, 1.5, 2.0]), bands, "retroactive").round(12).tolist()
    [1.0, 1.5000000015, 2.25, 4.0]
    """
    return compile_bands(bands, mode)(metric)


class Tiers(StrictModel):
    """Rate bands over the metric; rates are multiples of the base commission rate."""

    mode: BandMode = Field(
        "marginal",
        description="`marginal`: each band's rate on the part of the metric inside it; "
        "`retroactive`: the rate of the band the metric ends in applies to all of it.",
    )
    bands: Bands
    cap: float | None = Field(None, ge=0, description="Ceiling on the fraction (none by default).")

    _bands_order = field_validator("bands")(_check_bands)


def compile_tiers(rule: Tiers) -> PiecewiseLinear:
    return compile_bands(rule.bands, rule.mode, rule.cap)


def tiers(metric: np.ndarray, rule: Tiers) -> np.ndarray:
    """Fraction of target from rate bands in metric units (rates are multiples of the BCR)."""
    return compile_tiers(rule)(metric)


class Commission(StrictModel):
    """Money bands over a money metric; rates are fractions of the basis."""

    basis: str = Field("bookings", description="Money metric the commission is paid on.")
    mode: BandMode = Field("marginal", description="How band rates apply, as for tiers.")
    bands: Bands
    relative_to: Literal["quota"] | None = Field(
        None, description="`quota`: band edges are multiples of the rep's quota, not money."
    )
    cap: float | None = Field(None, ge=0, description="Most money paid per period (none by default).")

    _bands_order = field_validator("bands")(_check_bands)


def commission(
    basis: np.ndarray, rule: Commission, quota: np.ndarray | None = None, periods: np.ndarray | float = 1.0,
    bands: PiecewiseLinear | None = None,
) -> np.ndarray:
    """Money from rate bands over a money basis; with ``relative_to: quota`` edges are x quota.

    ``periods`` scales the per-period money cap (a year-to-date window spans several periods).
    Where the quota is 0 under ``relative_to: quota`` the commission is 0: the engine reports a
    non-zero basis over a zero quota as a data error before it gets here. ``bands`` is the
    rule's bands compiled once, when the caller keeps them.

    >>> rule = Commission(bands=[Band(to=100000, rate=0.05), Band(rate=0.08)])
    >>> commission(np.array([80000.0, 150000.0]), rule).tolist()
    [4000.0, 9000.0]
    >>> rel = Commission(bands=[Band(to=1.0, rate=0.05), Band(rate=0.08)], relative_to="quota")
    >>> commission(np.array([150000.0]), rel, quota=np.array([100000.0])).tolist()
    [9000.0]
    """
    bands = bands or compile_bands(rule.bands, rule.mode)
    if rule.relative_to == "quota":
        assert quota is not None, "relative_to: quota needs the quota"
        ratio = np.divide(basis, quota, out=np.zeros_like(basis, dtype="float64"), where=quota != 0)
        money = bands(ratio) * quota
    else:
        money = bands(basis)
    if rule.cap is not None:
        money = np.minimum(money, rule.cap * periods)
    return money


class Spiff(StrictModel):
    """Fixed money per unit of a count metric."""

    metric: str = Field(description="Count metric paid per unit, e.g. new_logos.")
    amount: float = Field(gt=0, description="Money per unit.")
    cap: float | None = Field(None, ge=0, description="Most money paid per period (none by default).")


def spiff(count: np.ndarray, rule: Spiff, periods: np.ndarray | float = 1.0) -> np.ndarray:
    """Money = amount x count, at most ``cap`` per period.

    >>> spiff(np.array([0.0, 2.0, 7.0]), Spiff(metric="new_logos", amount=1000, cap=5000)).tolist()
    [0.0, 2000.0, 5000.0]
    """
    money = rule.amount * np.asarray(count, dtype="float64")
    if rule.cap is not None:
        money = np.minimum(money, rule.cap * periods)
    return money


# --------------------------------------------------------------------------- modifiers


class Multiplier(StrictModel):
    """A curve whose value multiplies the money of the components it applies to."""

    metric: str = Field(description="Metric the multiplier reads, e.g. strategic_mix.")
    points: Points
    below: float | None = Field(None, description="Value below the first point (default: its y).")
    beyond: Literal["extend", "hold"] = Field(
        "hold", description="After the last point: `hold` (default) or `extend`."
    )

    _points_order = field_validator("points")(_check_points)

    def as_curve(self) -> Curve:
        """The equivalent curve, with ``below`` defaulting to the first point's y."""
        below = self.points[0][1] if self.below is None else self.below
        return Curve(points=self.points, below=below, beyond=self.beyond)


class Gate(StrictModel):
    """While the gate metric is under `min`, the fraction is capped at `cap_when_closed`."""

    metric: str = Field(description="Metric the gate reads, e.g. new_logos.")
    min: float = Field(description="The gate is open when the metric is at least this.")
    cap_when_closed: float = Field(
        0.0, ge=0, description="Ceiling on the fraction while closed; 0 means not paid."
    )


def gate_open(metric: np.ndarray, rule: Gate) -> np.ndarray:
    """Whether the gate is open: the metric is at least ``min`` (compared at 9 decimals).

    >>> gate_open(np.array([0.0, 0.9999999999, 1.0]), Gate(metric="new_logos", min=1)).tolist()
    [False, True, True]
    """
    return np.asarray(metric) >= at_edges(rule.min) - HALF_STEP


# --------------------------------------------------------------------------- ramps and draws

Factor = Annotated[float, Field(gt=0, le=1)]
TENURE_PAST_RAMPS = 10**6  # the tenure month of a rep without a hire date: past every ramp


class Ramp(StrictModel):
    """New hires' targets, ramped by tenure month (the month holding the hire date is month 1)."""

    quota: list[Factor] = Field(
        min_length=1, description="Factor of every target (quota and target.NAME) in tenure months 1, 2, ...; "
                                  "later months are unchanged.")


def ramp_factors(rule: Ramp | None, tenure: np.ndarray) -> np.ndarray:
    """The factor of a rep's targets in each month: the k-th factor in tenure month k, 1 before
    the hire month and after the ramp. ``tenure`` is (reps, months) int.

    >>> ramp_factors(Ramp(quota=[0.25, 0.5]), np.array([[0, 1, 2, 3]])).tolist()
    [[1.0, 0.25, 0.5, 1.0]]
    """
    if rule is None:
        return np.ones(tenure.shape)
    factors = np.asarray([1.0, *rule.quota])
    inside = (tenure >= 1) & (tenure <= len(rule.quota))
    return np.where(inside, factors[np.where(inside, tenure, 0)], 1.0)


class Draw(StrictModel):
    """An advance against pay: each draw period pays up to a share of the period's TI."""

    fraction_of_ti: float = Field(gt=0, description="The draw per period: this share of the period's TI "
                                                    "(prorated by days employed).")
    per: Literal["month", "quarter"] = Field("month", description="Draw period, aligned to the plan start.")
    recoverable: bool = Field(
        True, description="`true`: what the draw paid is recovered from later pay above the draw; "
                          "`false`: a guarantee, never recovered.")
    months: int | None = Field(
        None, ge=1, description="The draw applies only to draw periods holding one of the rep's first N tenure "
                                "months (default: every period).")


@dataclass(frozen=True)
class DrawLines:
    """What a draw did in each draw period, (trials, reps, periods): the draw paid (D - P where
    P < D), the recovery (negative), and the balance owed before and after."""

    draw: np.ndarray
    recovery: np.ndarray
    balance_before: np.ndarray
    balance_after: np.ndarray


def draw_lines(due: np.ndarray, paid: np.ndarray, recoverable: bool, applies: np.ndarray) -> DrawLines:
    """SPEC "Draws", period by period in date order. ``applies`` (reps, periods) says where the
    draw applies and ``due`` (reps, periods) is D there, 0 elsewhere; ``paid`` (trials, reps,
    periods) is P, the rep's component payments in the period after true-ups and the cap. Where
    the draw applies and P < D, the draw pays D - P (and, recoverable, the balance grows by it);
    where P > D and the balance is positive, a recovery pays -min(balance, P - D). Where the draw
    does not apply, a negative P (a claw-back) pays no draw line.

    >>> applies = np.array([[True, True, False, False]])
    >>> lines = draw_lines(np.array([[100.0, 100.0, 0.0, 0.0]]), np.array([[[40.0, 130.0, 500.0, -50.0]]]), True,
    ...                    applies)
    >>> lines.draw.tolist(), lines.recovery.tolist(), lines.balance_after.tolist()
    ([[[60.0, 0.0, 0.0, 0.0]]], [[[0.0, -30.0, -30.0, 0.0]]], [[[60.0, 30.0, 0.0, 0.0]]])
    """
    shape = np.broadcast_shapes(paid.shape, (1, *due.shape))
    draw, recovery = np.zeros(shape), np.zeros(shape)
    before, after = np.zeros(shape), np.zeros(shape)
    balance = np.zeros(shape[:2])
    for period in range(shape[2]):
        d, p = due[None, :, period], paid[..., period]
        before[..., period] = balance
        draw[..., period] = np.where(applies[None, :, period] & (p < d), d - p, 0.0)
        if recoverable:
            balance = balance + draw[..., period]
            recovered = np.where(p > d, np.minimum(balance, p - d), 0.0)
            recovery[..., period] = 0.0 - recovered
            balance = balance - recovered
        after[..., period] = balance
    return DrawLines(draw, recovery, before, after)
