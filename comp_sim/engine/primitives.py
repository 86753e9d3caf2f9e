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


def at_edges(metric: np.ndarray | float) -> np.ndarray:
    """A metric or an edge as compared: rounded to 9 decimal places (both sides, so an edge
    written with more decimals still holds the metric that equals it)."""
    return np.round(np.asarray(metric, dtype="float64"), EDGE_DECIMALS)


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
    xs = at_edges(np.array([p[0] for p in rule.points], dtype="float64"))  # x to 9 decimals
    ys = np.array([p[1] for p in rule.points], dtype="float64")
    last = len(xs) - 1
    index = np.searchsorted(xs, at_edges(m), side="right") - 1  # last x <= m; -1 below
    if last == 0:
        inside = np.full(m.shape, ys[0])
    else:
        seg = np.clip(index, 0, last - 1)
        x0, x1, y0, y1 = xs[seg], xs[seg + 1], ys[seg], ys[seg + 1]
        width = x1 - x0
        slope = np.divide(y1 - y0, width, out=np.zeros(m.shape), where=width > 0)
        inside = y0 + slope * (m - x0)
    past = ys[last] + _extend_slope(xs, ys, rule.beyond) * np.maximum(m - xs[last], 0.0)
    fraction = np.where(index < 0, rule.below, np.where(index >= last, past, inside))
    if rule.cap is not None:
        fraction = np.minimum(fraction, rule.cap)
    return fraction


def _extend_slope(xs: np.ndarray, ys: np.ndarray, beyond: str) -> float:
    """Slope continued after the last point: that of the last non-vertical segment, or 0."""
    if beyond == "hold":
        return 0.0
    for i in range(len(xs) - 1, 0, -1):
        if xs[i] > xs[i - 1]:
            return float((ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1]))
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
    edges = [b.to for b in bands[:-1]]
    rates = np.array([b.rate for b in bands], dtype="float64")
    if mode == "retroactive":
        band = np.searchsorted(at_edges(np.array(edges, dtype="float64")), at_edges(m), side="left")
        return rates[band] * np.maximum(m, 0.0)
    total = np.zeros(m.shape)
    lower = 0.0
    for rate, upper in zip(rates, [*edges, np.inf]):
        total += rate * np.clip(m - lower, 0.0, upper - lower)
        lower = upper
    return total


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
        ratio = np.divide(basis, quota, out=np.zeros(np.shape(basis)), where=quota != 0)
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
    return at_edges(metric) >= at_edges(rule.min)
