"""The engine and the plain reference loop (tests/engine/reference.py) agree to 1e-9 on random
small plans and data, line by line: every (rep, component, period), what is paid and what is capped."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings

from comp_sim.api import simulate
from comp_sim.plan.components import COMPONENT_KINDS, MODIFIER_KINDS
from comp_sim.plan.loader import load_plan
from comp_sim.plan.metrics import BUILTIN_METRICS, METRIC_KINDS
from reference import (REFERENCE_KINDS, REFERENCE_METRICS, REFERENCE_PLAN_METRICS, banded_value, curve_value,
                       reference_payouts)
from plan_strategies import plan_and_data, to_dataset

TOLERANCE = 1e-9


def disagreements(plan_source, dataset):
    """Lines where the engine and the reference differ by more than 1e-9 (relative or absolute)."""
    engine = simulate([plan_source], dataset).payouts
    reference = reference_payouts(load_plan(plan_source), dataset)
    seen = set()
    problems = []
    for row in engine.itertuples():
        key = (row.rep_id, row.component, row.period)
        seen.add(key)
        line = reference.get(key)
        if line is None:
            problems.append(f"{key}: the engine pays a line the reference does not have")
            continue
        for name, got, want in (("amount", row.amount, line.amount), ("capped", row.capped, line.capped)):
            if not math.isclose(got, want, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                problems.append(f"{key} {name}: engine {got!r}, reference {want!r}")
    problems += [f"{key}: only the reference has this line" for key in set(reference) - seen]
    return problems


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan_and_data())
def test_engine_agrees_with_the_reference_loop(case):
    plan_dict, dataset = case
    assert disagreements(plan_dict, dataset) == []


def test_the_reference_reads_every_declared_metric_and_kind():
    """A metric or kind declared in the registries has a formula of its own in the reference."""
    assert set(REFERENCE_METRICS) == set(BUILTIN_METRICS)
    assert set(REFERENCE_KINDS) == {kind.kind for kind in (*COMPONENT_KINDS, *MODIFIER_KINDS)}
    assert set(REFERENCE_PLAN_METRICS) == set(METRIC_KINDS)


def test_the_reference_itself_follows_spec_examples():
    """The reference's own rules on SPEC's worked numbers, so a shared mistake cannot hide."""
    from comp_sim.plan.rules import Band, Curve

    bands = [Band(to=1.0, rate=1.0), Band(rate=2.0)]
    assert banded_value(1.2, bands, "marginal") == pytest.approx(1.4)  # 1.0 + 0.2 x 2
    assert banded_value(1.2, bands, "retroactive") == pytest.approx(2.4)  # 2.0 x 1.2
    curve = Curve(points=[(0.5, 0.25), (1.0, 1.0), (1.5, 2.0)], cap=3.0)
    # below the threshold, at it, interpolated, extended with slope 2, capped
    assert [curve_value(m, curve) for m in (0.4, 0.5, 0.75, 1.75, 5.0)] == pytest.approx([0.0, 0.25, 0.625, 2.5, 3.0])


def test_engine_and_reference_agree_on_a_bundled_plan():
    """balanced-2027 (cumulative revenue with a mix multiplier and a logo gate, logo tiers,
    forecast accuracy, a SPIFF and a 3x cap) on a team where the cap and the gate both bite."""
    reps = [{"rep_id": f"R{i}", "role": "AE", "hire_date": "2027-04-10" if i == 2 else None} for i in range(4)]
    products = ["Platform", "Core", "Analytics"]
    deals = [{"deal_id": f"D{i}", "rep_id": f"R{i % 4}", "close_date": f"2027-{i % 12 + 1:02d}-15",
              "amount": 20000.0 + 7000 * (i % 5) * (i % 4), "product": products[i % 3],
              "new_logo": i % 4 != 1, "discount": 0.1, "split": 1.0} for i in range(100)]
    quotas = [{"rep_id": f"R{i}", "period": "2027", "target": 200000.0} for i in range(4)]
    quotas += [{"rep_id": f"R{i}", "period": "2027", "metric": "new_logos", "target": 8.0} for i in range(4)]
    forecasts = [{"rep_id": f"R{i}", "period": f"2027-Q{q}", "forecast": 150000.0} for i in range(4) for q in range(1, 5)]
    dataset = to_dataset(reps, deals, quotas, forecasts)
    result = simulate(["plans/balanced-2027.yaml"], dataset)
    assert result.payouts["capped"].sum() > 0  # the cap bites, so the comparison covers it
    assert disagreements("plans/balanced-2027.yaml", dataset) == []
