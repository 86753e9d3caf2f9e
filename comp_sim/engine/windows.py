"""Kernels along the last axis, the few periods of a plan year.

Arrays are float64 shaped (..., periods) with periods <= 12. numpy's own reductions along a
short trailing axis walk it element by element; looping over the periods and adding whole
(trials, reps) slices at a time is several times faster, and keeps the order of additions a
reader would write (left to right). Copies keep the memory layout of their input
(``order="K"``): the cube is stored period-major, so each (trials, reps) slice is one
contiguous block.

>>> x = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
>>> window_sums(x, 3).tolist(), running_sum(x).tolist(), cumulative_window_sums(x, 3).tolist()
([[6.0, 15.0]], [[1.0, 3.0, 6.0, 10.0, 15.0, 21.0]], [[6.0, 21.0]])
>>> rises_of_running_max(np.array([-1.0, 3.0, 1.0, 4.0])).tolist(), differences(np.array([3.0, 4.0, 6.0])).tolist()
([0.0, 3.0, 0.0, 1.0], [3.0, 1.0, 2.0])
"""

from __future__ import annotations

import numpy as np


def window_sums(monthly: np.ndarray, size: int) -> np.ndarray:
    """Sums over consecutive windows of ``size`` periods (the last axis divides evenly)."""
    if size == 1:
        return monthly
    out = np.add(monthly[..., 0::size], monthly[..., 1::size])
    for offset in range(2, size):
        out += monthly[..., offset::size]
    return out


def running_sum(values: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Sum of the periods so far, along the last axis."""
    out = values
    if not in_place:
        out = np.empty_like(values)
        out[..., 0] = values[..., 0]
    for k in range(1, out.shape[-1]):
        np.add(values[..., k], out[..., k - 1], out=out[..., k])
    return out


def cumulative_window_sums(monthly: np.ndarray, size: int) -> np.ndarray:
    """Sums from the first period to the end of each window of ``size`` periods: the running
    sum of ``window_sums``, with no array for the window sums alone."""
    sums = window_sums(monthly, size)
    return running_sum(sums, in_place=sums is not monthly)


def rises_of_running_max(values: np.ndarray) -> np.ndarray:
    """How much the running maximum of the values (and of 0) rises in each period, along the
    last axis: the differences of ``max(0, v1, .., vk)``, with no array but the result."""
    out = np.empty_like(values)  # the running maximum, then its rises (last period first)
    np.maximum(values[..., 0], 0.0, out=out[..., 0])
    for k in range(1, values.shape[-1]):
        np.maximum(out[..., k - 1], values[..., k], out=out[..., k])
    for k in range(values.shape[-1] - 1, 0, -1):
        np.subtract(out[..., k], out[..., k - 1], out=out[..., k])
    return out


def differences(values: np.ndarray) -> np.ndarray:
    """Each period minus the one before (the first minus 0), along the last axis."""
    out = np.empty_like(values)
    out[..., 0] = values[..., 0]
    np.subtract(values[..., 1:], values[..., :-1], out=out[..., 1:])
    return out


def total(values: np.ndarray) -> np.ndarray:
    """Sum over the last axis, left to right."""
    return window_sums(values, values.shape[-1])[..., 0]
