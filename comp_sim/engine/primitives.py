"""Payout primitives: pure numpy functions of a metric array of any shape.

Each takes the metric (any shape, float64) and the validated rule from ``comp_sim.plan.models``
and returns an array of the same shape. Metrics are rounded to 9 decimal places before they are
*compared* with curve points, band edges and gate minimums (SPEC "Edges and floating point"), so
a quota spread over months and summed back lands exactly on its edge; amounts are then computed
from the metric itself, so rounding never moves money.

SPEC's worked example, bands ``[{to: 1.0, rate: 1.0}, {rate: 2.0}]`` at attainment 1.2:

>>> from comp_sim.plan.models import Band
>>> bands = [Band(to=1.0, rate=1.0), Band(rate=2.0)]
>>> float(banded(np.array(1.2), bands, "marginal")), float(banded(np.array(1.2), bands, "retroactive"))
(1.4, 2.4)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from comp_sim.plan.models import Band, Commission, Curve, Gate, Spiff, Tiers

EDGE_DECIMALS = 9
HALF_STEP = 0.5 * 10.0**-EDGE_DECIMALS  # round(m, 9) >= e  <=>  m >= e - HALF_STEP


def at_edges(value: np.ndarray | float) -> np.ndarray:
    """An edge (or a metric) as compared: rounded to 9 decimal places."""
    return np.round(np.asarray(value, dtype="float64"), EDGE_DECIMALS)


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


def _linear(segment: np.ndarray, metric: np.ndarray, intercepts: list[float],
            slopes: list[float]) -> np.ndarray:
    """``intercept + slope x metric`` with the coefficients of each element's segment.

    The lookups run over the arrays in memory order, and the result keeps the metric's layout.
    """
    out = np.empty_like(metric, dtype="float64")
    flat_out, flat_segment, flat_metric = (_memory_order(a) for a in (out, segment, metric))
    if flat_out is None or flat_segment is None or flat_metric is None:
        out[...] = np.take(slopes, segment) * metric + np.take(intercepts, segment)
        return out
    # np.take into ``out=`` buffers its result (mode "raise"); a fresh array is faster
    np.multiply(np.take(np.asarray(slopes, dtype="float64"), flat_segment), flat_metric, out=flat_out)
    flat_out += np.take(np.asarray(intercepts, dtype="float64"), flat_segment)
    return out


def _memory_order(values: np.ndarray) -> np.ndarray | None:
    """A flat view of the array in memory order, or None when it is not one block."""
    flat = values.ravel(order="K")
    return flat if values.size == 0 or np.may_share_memory(flat, values) else None


def curve(metric: np.ndarray, rule: Curve) -> np.ndarray:
    """Piecewise-linear fraction through ``rule.points``; steps are right-continuous.

    >>> c = Curve(points=[(0.5, 0.25), (1.0, 1.0), (1.5, 2.0)], cap=3.0)
    >>> curve(np.array([0.4, 0.5, 0.75, 1.0, 2.0, 5.0]), c).tolist()
    [0.0, 0.25, 0.625, 1.0, 3.0, 3.0]
    >>> step = Curve(points=[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (2.0, 1.0)], beyond="hold")
    >>> curve(np.array([0.999999999, 1.0, 3.0]), step).tolist()
    [0.0, 1.0, 1.0]
    """
    m = np.asarray(metric, dtype="float64")
    xs = [float(x) for x in at_edges(np.array([p[0] for p in rule.points]))]
    ys = [float(p[1]) for p in rule.points]
    # Segment k holds the metrics that reached k points: k = 0 is below the first point,
    # k = n at or after the last; a segment between two equal x (a step) is never reached.
    intercepts, slopes = [rule.below], [0.0]
    for k in range(1, len(xs)):
        width = xs[k] - xs[k - 1]
        slope = (ys[k] - ys[k - 1]) / width if width > 0 else 0.0
        intercepts.append(ys[k - 1] - slope * xs[k - 1])
        slopes.append(slope)
    extend = _extend_slope(xs, ys, rule.beyond)
    intercepts.append(ys[-1] - extend * xs[-1])
    slopes.append(extend)
    fraction = _linear(count_at_or_below(np.array(xs), m), m, intercepts, slopes)
    if rule.cap is not None:
        np.minimum(fraction, rule.cap, out=fraction)
    return fraction


def _extend_slope(xs: list[float], ys: list[float], beyond: str) -> float:
    """Slope continued after the last point: that of the last non-vertical segment, or 0."""
    if beyond == "hold":
        return 0.0
    for i in range(len(xs) - 1, 0, -1):
        if xs[i] > xs[i - 1]:
            return (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
    return 0.0


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
    m = np.asarray(metric, dtype="float64")
    edges = [float(e) for e in at_edges(np.array([b.to for b in bands[:-1]], dtype="float64"))]
    rates = [b.rate for b in bands]
    if mode == "retroactive":
        # segment 0: at or below 0; then one segment per band the metric is in
        segment = np.where(m > 0, count_below(np.array(edges), m) + 1, 0)
        return _linear(segment, m, [0.0] * (len(rates) + 1), [0.0, *rates])
    # marginal is continuous: segment k covers band k, its intercept makes it meet band k - 1
    lowers = [0.0, *edges]
    intercepts, slopes, paid_below = [0.0], [0.0], 0.0
    for lower, rate, upper in zip(lowers, rates, [*edges, None]):
        intercepts.append(paid_below - rate * lower)
        slopes.append(rate)
        if upper is not None:
            paid_below += rate * (upper - lower)
    segment = _count(np.array(lowers), m, np.greater_equal)
    return _linear(segment, m, intercepts, slopes)


def tiers(metric: np.ndarray, rule: Tiers) -> np.ndarray:
    """Fraction of target from rate bands in metric units (rates are multiples of the BCR)."""
    fraction = banded(metric, rule.bands, rule.mode)
    if rule.cap is not None:
        fraction = np.minimum(fraction, rule.cap)
    return fraction


def commission(
    basis: np.ndarray, rule: Commission, quota: np.ndarray | None = None, periods: np.ndarray | float = 1.0
) -> np.ndarray:
    """Money from rate bands over a money basis; with ``relative_to: quota`` edges are x quota.

    ``periods`` scales the per-period money cap (a year-to-date window spans several periods).
    Where the quota is 0 under ``relative_to: quota`` the commission is 0: the engine reports a
    non-zero basis over a zero quota as a data error before it gets here.

    >>> rule = Commission(bands=[Band(to=100000, rate=0.05), Band(rate=0.08)])
    >>> commission(np.array([80000.0, 150000.0]), rule).tolist()
    [4000.0, 9000.0]
    >>> rel = Commission(bands=[Band(to=1.0, rate=0.05), Band(rate=0.08)], relative_to="quota")
    >>> commission(np.array([150000.0]), rel, quota=np.array([100000.0])).tolist()
    [9000.0]
    """
    if rule.relative_to == "quota":
        assert quota is not None, "relative_to: quota needs the quota"
        ratio = np.divide(basis, quota, out=np.zeros_like(basis, dtype="float64"), where=quota != 0)
        money = banded(ratio, rule.bands, rule.mode) * quota
    else:
        money = banded(basis, rule.bands, rule.mode)
    if rule.cap is not None:
        money = np.minimum(money, rule.cap * periods)
    return money


def spiff(count: np.ndarray, rule: Spiff, periods: np.ndarray | float = 1.0) -> np.ndarray:
    """Money = amount x count, at most ``cap`` per period.

    >>> spiff(np.array([0.0, 2.0, 7.0]), Spiff(metric="new_logos", amount=1000, cap=5000)).tolist()
    [0.0, 2000.0, 5000.0]
    """
    money = rule.amount * np.asarray(count, dtype="float64")
    if rule.cap is not None:
        money = np.minimum(money, rule.cap * periods)
    return money


def gate_open(metric: np.ndarray, rule: Gate) -> np.ndarray:
    """Whether the gate is open: the metric is at least ``min`` (compared at 9 decimals).

    >>> gate_open(np.array([0.0, 0.9999999999, 1.0]), Gate(metric="new_logos", min=1)).tolist()
    [False, True, True]
    """
    return np.asarray(metric) >= at_edges(rule.min) - HALF_STEP
