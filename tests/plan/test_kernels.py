"""The compiled array kernels (comp_sim/plan/kernels.py) give the numbers of the numpy functions
that state the rules, to the bit: on random curves, tiers and bands, at and around their edges,
on zeros of both signs, infinities and NaN, in the engine's period-major layout."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim.plan import kernels, rules
from comp_sim.plan.metrics import forecast_accuracy, safe_divide
from comp_sim.plan.rules import HALF_STEP, Band, Curve, Multiplier, Tiers

EXAMPLES = settings(max_examples=300, deadline=None)
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, HALF_STEP, -HALF_STEP, np.nextafter(HALF_STEP, 0.0),
           np.nextafter(-HALF_STEP, 0.0), 1e-300, -1e-300, 1e300]


@contextmanager
def kernels_on(on: bool):
    """Every array through its kernel (``on``), or none."""
    with mock.patch.object(rules, "KERNEL_MIN_SIZE", 1 if on else 2**62):
        yield


def numpy_and_kernel(function, *arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with kernels_on(False):
        numpy = function(*arrays)
    with kernels_on(True):
        kernel = function(*arrays)
    return numpy, kernel


def assert_same_bits(numpy: np.ndarray, kernel: np.ndarray) -> None:
    assert kernel.dtype == numpy.dtype == np.float64
    assert kernel.shape == numpy.shape
    np.testing.assert_array_equal(kernel.view(np.uint64), numpy.view(np.uint64))


def period_major(values: list[float], windows: int = 4) -> np.ndarray:
    """The values as the engine lays a (trials, reps, windows) array out: each window's
    (trials, reps) slice one block (the values are repeated to fill whole windows)."""
    count = -(-len(values) // windows) * windows
    stored = np.resize(np.asarray(values, dtype="float64"), count).reshape(windows, 1, count // windows)
    return stored.transpose(1, 2, 0)


def near(edges: list[float]) -> st.SearchStrategy[float]:
    """Values on, a hair either side of and half a 9th decimal around the edges, special values,
    and any float."""
    around = [v for e in edges for v in (e, np.nextafter(e, -np.inf), np.nextafter(e, np.inf), e - HALF_STEP,
                                         e + HALF_STEP, e - 2 * HALF_STEP, e + 2 * HALF_STEP)]
    return st.one_of(st.sampled_from(around + SPECIAL), st.floats(-1e6, 1e6), st.floats(allow_nan=True))


finite = st.floats(-10.0, 10.0, allow_nan=False)


@st.composite
def curves(draw) -> Curve:
    xs = sorted(draw(st.lists(st.floats(-2.0, 5.0), min_size=1, max_size=5, unique=True)))
    if len(xs) >= 2 and draw(st.booleans()):
        at = draw(st.integers(1, len(xs) - 1))
        xs.insert(at, xs[at])  # a step
    ys = draw(st.lists(finite, min_size=len(xs), max_size=len(xs)))
    return Curve(points=list(zip(xs, ys)), below=draw(st.one_of(finite, st.just(-0.0))),
                 beyond=draw(st.sampled_from(["extend", "hold"])),
                 cap=draw(st.one_of(st.none(), st.floats(0.0, 10.0))))


@st.composite
def bands(draw) -> list[Band]:
    edges = sorted(draw(st.lists(st.floats(1e-3, 1e6), max_size=4, unique=True)))
    rates = draw(st.lists(st.floats(0.0, 5.0), min_size=len(edges) + 1, max_size=len(edges) + 1))
    return [Band(to=e, rate=r) for e, r in zip(edges, rates)] + [Band(rate=rates[-1])]


@st.composite
def piecewise(draw) -> rules.PiecewiseLinear:
    """A compiled curve, tiers, bands or multiplier, as the engine keeps them."""
    kind = draw(st.sampled_from(["curve", "tiers", "bands", "multiplier"]))
    if kind == "curve":
        return rules.compile_curve(draw(curves()))
    if kind == "multiplier":
        curve = draw(curves())
        return rules.compile_curve(Multiplier(metric="m", points=curve.points, beyond=curve.beyond).as_curve())
    mode = draw(st.sampled_from(["marginal", "retroactive"]))
    if kind == "tiers":
        return rules.compile_tiers(Tiers(mode=mode, bands=draw(bands()), cap=draw(st.one_of(st.none(), finite.map(abs)))))
    return rules.compile_bands(draw(bands()), mode)


@EXAMPLES
@given(st.data())
def test_curves_tiers_and_bands_give_numpys_numbers(data):
    rule = data.draw(piecewise())
    edges = [float(t) for t in rule.thresholds] + [float(e) for t in rule.thresholds for e in (t - HALF_STEP, t + HALF_STEP)]
    values = data.draw(st.lists(near(edges or [0.0]), min_size=1, max_size=40))
    with np.errstate(all="ignore"):  # infinity x 0
        numpy, kernel = numpy_and_kernel(rule, period_major(values))
    assert_same_bits(numpy, kernel)


@EXAMPLES
@given(st.lists(st.tuples(near([0.0, 1.0]), near([0.0])), min_size=1, max_size=40))
def test_safe_divide_gives_numpys_numbers(pairs):
    top, bottom = (period_major([pair[i] for pair in pairs]) for i in (0, 1))
    with np.errstate(all="ignore"):
        numpy, kernel = numpy_and_kernel(safe_divide, top, bottom)
    assert_same_bits(numpy, kernel)


@EXAMPLES
@given(st.lists(st.tuples(near([0.0, 100.0]), near([0.0, 100.0])), min_size=1, max_size=40))
def test_forecast_accuracy_gives_numpys_numbers(pairs):
    bookings, forecast = (period_major([pair[i] for pair in pairs]) for i in (0, 1))
    with np.errstate(all="ignore"):
        numpy, kernel = numpy_and_kernel(forecast_accuracy, bookings, forecast)
    assert_same_bits(numpy, kernel)


def test_the_kernels_give_the_hand_computed_numbers():
    """The rules' own examples, through the kernels."""
    with kernels_on(True):
        spec = rules.compile_curve(Curve(points=[(0.5, 0.25), (1.0, 1.0), (1.5, 2.0)], cap=3.0))
        # 0.4 is below the first point; 0.75 pays 0.25 + 0.75 x 0.25 / 0.5; 5.0 is capped at 3
        assert spec(np.array([0.4, 0.5, 0.75, 1.0, 2.0, 5.0])).tolist() == [0.0, 0.25, 0.625, 1.0, 3.0, 3.0]
        retroactive = rules.compile_bands([Band(to=1.0, rate=1.0), Band(to=1.5, rate=1.5), Band(rate=2.0)],
                                          "retroactive")
        assert retroactive(np.array([1.0, 1.000000001, 2.0])).round(12).tolist() == [1.0, 1.5000000015, 4.0]
        assert safe_divide(np.array([1.0, 2.0, 3e-10]), np.array([4.0, 0.0, 1e-10])).tolist() == [0.25, 0.0, 0.0]
        assert forecast_accuracy(np.array([90.0, 110.0, 0.0, 5.0, 300.0]),
                                 np.array([100.0, 100.0, 0.0, 0.0, 100.0])).tolist() == [0.9, 0.9, 1.0, 0.0, 0.0]


def test_arrays_walked_side_by_side_must_share_one_layout():
    """A kernel walks its arrays in memory order, so they must be laid out alike; a small
    array, a broadcast one or another layout is left to numpy."""
    months_first = np.zeros((4, 3, rules.KERNEL_MIN_SIZE)).transpose(1, 2, 0)
    assert rules.compile_bands([Band(rate=1.0)], "marginal")(months_first).strides == months_first.strides
    assert rules.kernel_views(months_first[:1, :1]) is None  # too small to be worth it
    assert len(rules.kernel_views(months_first, np.empty_like(months_first))) == 2
    assert rules.kernel_views(months_first, np.zeros(months_first.shape)) is None
    assert rules.kernel_views(months_first, np.broadcast_to(months_first[:1], months_first.shape)) is None
    assert rules.kernel_views(months_first[:, ::2], months_first[:, ::2]) is None  # not one block


def test_the_kernels_are_ready_once_prepared():
    kernels.prepare()
    assert kernels.ready()


@pytest.mark.parametrize("strict", [False, True])
def test_a_metric_reaching_every_threshold_takes_the_last_segment(strict):
    rule = rules.PiecewiseLinear(np.array([0.0, 1.0]), strict, np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]))
    metric = period_major([-1.0, 0.0, 0.5, 1.0, 2.0], windows=1)
    numpy, kernel = numpy_and_kernel(rule, metric)
    assert_same_bits(numpy, kernel)
    assert kernel.ravel().tolist() == ([0.0, 0.0, 1.0, 1.0, 2.0] if strict else [0.0, 1.0, 1.0, 2.0, 2.0])
