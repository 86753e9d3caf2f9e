"""Compiled forms of the plan language's busiest array functions, for large arrays.

numpy makes a pass over the whole array per operation: a curve of three points is a dozen
passes (a comparison per threshold, the segment's intercept and slope looked up, a multiply, an
add, the cap), a ratio five or six. At a chunk of Monte-Carlo trials the arrays do not fit in
the cache, so each pass reads and writes memory; a kernel here does all of it in one pass.

Each kernel takes flat float64 arrays (1-dim, contiguous: the engine's (trials, reps, windows)
arrays seen in memory order) and gives the same numbers as the numpy function that states the
rule, named in its docstring: the same operations on the same operands in the same order,
compiled without fast-math (no fused multiply-add, no reordered sums), with numpy's error model
(a division by 0 gives infinity or NaN rather than raising, which also lets the loops
vectorise), and ``np.minimum`` / ``np.maximum`` as numpy does them (NaN wins, a tie gives the
second operand). ``tests/plan/test_kernels.py`` holds each equal to its numpy function to the
bit, and ``tests/engine/test_kernels_in_runs.py`` whole runs with and without the kernels.

The numpy functions call them only for arrays of at least ``rules.KERNEL_MIN_SIZE`` values
(``rules.kernel_views``), so a run on historical data, a test's few reps or a command that
draws no trials never loads numba. They compile on first use and numba caches them on disk,
like the trial kernel (``prepare``, which the app runs under its first-run spinner).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def piecewise_linear(metric: np.ndarray, thresholds: np.ndarray, strict: bool, intercepts: np.ndarray,
                     slopes: np.ndarray, cap: float, out: np.ndarray) -> None:
    """``PiecewiseLinear.__call__`` into ``out``: on segment k (how many thresholds the metric
    has reached: ``>`` them with ``strict``, else ``>=``), slope[k] x metric + intercept[k];
    then ``np.minimum`` with the cap (infinity for none, which leaves every value as it is)."""
    for i in range(metric.size):
        m = metric[i]
        k = 0
        if strict:
            for t in thresholds:
                k += m > t
        else:
            for t in thresholds:
                k += m >= t
        value = slopes[k] * m
        value = value + intercepts[k]
        out[i] = value if value < cap or value != value else cap


@njit(cache=True, nogil=True, error_model="numpy")
def divide_where_not_zero(top: np.ndarray, bottom: np.ndarray, half_step: float, on_zero: float,
                          out: np.ndarray) -> int:
    """``safe_divide`` into ``out``: top / bottom, and 0 where the bottom is 0 at 9 decimals
    (``is_zero``: below ``half_step`` either way); where the top is not 0 there (``ratio``'s
    broken pairs) ``on_zero``. Returns how many pairs are broken."""
    broken = 0
    for i in range(top.size):
        b = bottom[i]
        if abs(b) < half_step:
            if abs(top[i]) < half_step:
                out[i] = 0.0
            else:
                out[i] = on_zero
                broken += 1
        else:
            out[i] = top[i] / b
    return broken


@njit(cache=True, nogil=True, error_model="numpy")
def forecast_accuracy(bookings: np.ndarray, forecast: np.ndarray, half_step: float, out: np.ndarray) -> None:
    """``comp_sim.plan.metrics.forecast_accuracy`` into ``out``: max(0, 1 - |b - f| / f), and
    with no forecast above 0, 1 where bookings are 0 at 9 decimals (below ``half_step``), else 0."""
    for i in range(bookings.size):
        b, f = bookings[i], forecast[i]
        if not f > 0:
            out[i] = 1.0 if abs(b) < half_step else 0.0
            continue
        accuracy = 1.0 - abs(b - f) / f
        if not (accuracy > 0.0 or accuracy != accuracy):
            accuracy = 0.0
        out[i] = accuracy


def prepare() -> None:
    """Compile the kernels, or load them from the disk cache (what the first large run would)."""
    values = np.zeros(1)
    piecewise_linear(values, values, False, np.zeros(2), np.zeros(2), np.inf, np.empty(1))
    divide_where_not_zero(values, values, 0.5e-9, 0.0, np.empty(1))
    forecast_accuracy(values, values, 0.5e-9, np.empty(1))


def ready() -> bool:
    """Whether every kernel is compiled in this process, or loaded from the disk cache."""
    return all(kernel.signatures for kernel in (piecewise_linear, divide_where_not_zero, forecast_accuracy))
