"""Kernels along the last axis, the few periods of a plan year.

Arrays are float64 shaped (..., periods) with periods <= 12. numpy's own reductions along a
short trailing axis walk it element by element; looping over the periods and adding whole
(trials, reps) slices at a time is several times faster, and keeps the order of additions a
reader would write (left to right). Copies keep the memory layout of their input
(``order="K"``): the cube is stored period-major, so each (trials, reps) slice is one
contiguous block.

>>> x = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
>>> window_sums(x, 3).tolist(), running_sum(x).tolist()
([[6.0, 15.0]], [[1.0, 3.0, 6.0, 10.0, 15.0, 21.0]])
>>> rises_of_running_max(np.array([-1.0, 3.0, 1.0, 4.0])).tolist(), differences(np.array([3.0, 4.0, 6.0])).tolist()
([0.0, 3.0, 0.0, 1.0], [3.0, 1.0, 2.0])
"""

from __future__ import annotations

import numpy as np


def window_sums(monthly: np.ndarray, size: int) -> np.ndarray:
    """Sums over consecutive windows of ``size`` periods (the last axis divides evenly)."""
    if size == 1:
        return monthly
    out = monthly[..., 0::size].copy(order="K")
    for offset in range(1, size):
        out += monthly[..., offset::size]
    return out


def running_sum(values: np.ndarray) -> np.ndarray:
    """Sum of the periods so far, along the last axis."""
    out = values.copy(order="K")
    for k in range(1, out.shape[-1]):
        out[..., k] += out[..., k - 1]
    return out


def rises_of_running_max(values: np.ndarray) -> np.ndarray:
    """How much the running maximum of the values (and of 0) rises in each period, along the
    last axis: the differences of ``max(0, v1, .., vk)``, in one pass over the periods."""
    out = np.empty_like(values)
    high = np.maximum(values[..., 0], 0.0)
    out[..., 0] = high
    for k in range(1, values.shape[-1]):
        new_high = np.maximum(high, values[..., k])
        np.subtract(new_high, high, out=out[..., k])
        high = new_high
    return out


def differences(values: np.ndarray) -> np.ndarray:
    """Each period minus the one before (the first minus 0), along the last axis."""
    out = values.copy(order="K")
    out[..., 1:] -= values[..., :-1]
    return out


def total(values: np.ndarray) -> np.ndarray:
    """Sum over the last axis, left to right."""
    return window_sums(values, values.shape[-1])[..., 0]
