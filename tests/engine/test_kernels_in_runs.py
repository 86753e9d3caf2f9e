"""Whole runs give the same numbers, to the bit, with the compiled array kernels
(comp_sim/plan/kernels.py) and without them: random plans and data (every rule, modifier,
ratio, team metric, ramp, draw and the cap) and the bundled plans over Monte-Carlo trials with
every array through a kernel, and a run large enough to call the kernels by itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from comp_sim.api import simulate
from comp_sim.engine.results import PlanResult
from comp_sim.engine.simulate import run_plans
from comp_sim.errors import DataError
from comp_sim.plan import kernels, rules
from comp_sim.plan.loader import load_plan
from comp_sim.synth.model import SynthConfig
from comp_sim.synth.trials import MonteCarloSource
from plan_strategies import plan_and_data

BUNDLED = sorted(Path("plans").glob("*.yaml"))
KERNELS = ("piecewise_linear", "divide_where_not_zero", "forecast_accuracy")


def with_kernels(run, minimum: int):
    """``run()`` with arrays of at least ``minimum`` values through the kernels (each kernel
    counted); the result, or the data error it raised, and the calls per kernel."""
    counted = {name: mock.patch.object(kernels, name, wraps=getattr(kernels, name)) for name in KERNELS}
    with mock.patch.object(rules, "KERNEL_MIN_SIZE", minimum):
        mocks = {name: patch.start() for name, patch in counted.items()}
        try:
            outcome = run()
        except DataError as error:
            outcome = str(error)
        finally:
            for patch in counted.values():
                patch.stop()
    return outcome, {name: m.call_count for name, m in mocks.items()}


def arrays_of(value, path: str = "") -> dict[str, np.ndarray]:
    """Every array a result holds, by where it is (dataclasses, tuples and lists walked)."""
    found: dict[str, np.ndarray] = {}
    if isinstance(value, np.ndarray):
        found[path] = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            if field.name not in ("compiled", "roster", "modifier"):
                found.update(arrays_of(getattr(value, field.name), f"{path}.{field.name}"))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.update(arrays_of(item, f"{path}[{index}]"))
    return found


def assert_same_bits(numpy: list[PlanResult], kernel: list[PlanResult]) -> None:
    expected, got = arrays_of(numpy), arrays_of(kernel)
    assert expected.keys() == got.keys()
    for where, values in expected.items():
        assert got[where].shape == values.shape, where
        if values.dtype == np.float64:
            np.testing.assert_array_equal(got[where].view(np.uint64), values.view(np.uint64), err_msg=where)
        else:
            np.testing.assert_array_equal(got[where], values, err_msg=where)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan_and_data())
def test_random_plans_and_data_give_the_same_numbers_with_every_array_through_a_kernel(case):
    plan, dataset = case
    numpy, _ = with_kernels(lambda: simulate([plan], dataset).results, 2**62)
    kernel, calls = with_kernels(lambda: simulate([plan], dataset).results, 1)
    if isinstance(numpy, str):  # a data error (a ratio dividing by 0), word for word
        assert kernel == numpy
        return
    if len(numpy[0].roster.rep_ids):  # every plan has a curve, tiers or bands
        assert calls["piecewise_linear"] > 0
    assert_same_bits(numpy, kernel)


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_plans_over_trials_give_the_same_numbers_with_every_array_through_a_kernel(path):
    plan = load_plan(path)

    def run():
        return run_plans([plan], MonteCarloSource.synthetic(120, 40, 3, plan.start), detail_trials=40, workers=1)

    numpy, _ = with_kernels(run, 2**62)
    kernel, calls = with_kernels(run, 1)
    assert calls["piecewise_linear"] > 0
    assert_same_bits(numpy, kernel)


def test_a_large_run_calls_the_kernels_by_itself_with_the_same_numbers():
    """At 200 reps x 60 trials a chunk's quarterly arrays pass KERNEL_MIN_SIZE: balanced-2027's
    curves, mix and discount ratios and forecast accuracy go through the kernels."""
    plan = load_plan("plans/balanced-2027.yaml")

    def run():
        source = MonteCarloSource.synthetic(200, 60, 3, plan.start, SynthConfig(role_shares={"AE": 1.0}))
        return run_plans([plan], source, detail_trials=60, workers=1)

    numpy, none = with_kernels(run, 2**62)
    kernel, calls = with_kernels(run, rules.KERNEL_MIN_SIZE)
    assert not any(none.values())
    assert all(calls.values()), calls
    assert_same_bits(numpy, kernel)
