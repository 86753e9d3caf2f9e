"""CONTRIBUTING.md's recipe, followed: a built-in metric added by one registry entry alone is
validated, paid on historical data and over Monte-Carlo trials, explained line by line, linted
and documented, with no other file touched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from comp_sim import api
from comp_sim.measures import BOOKINGS, DEALS
from comp_sim.plan.metrics import BUILTIN_METRICS, BuiltinMetric, safe_divide
from comp_sim.plan.reference import render_reference

AVG_DEAL_SIZE = BuiltinMetric(
    "avg_deal_size", "ratio", "credited bookings per credited deal (0 with none)", (BOOKINGS, DEALS),
    lambda w: safe_divide(w.sum_of(BOOKINGS), w.sum_of(DEALS)), tags=frozenset({"bookings"}))

PLAN = {"plan": "Bigger deals", "id": "bigger-deals", "start": "2027-01",
        "roles": {"AE": {"target_incentive": 10000}},
        "components": [{"id": "deal_size", "weight": 1.0, "metric": "avg_deal_size", "measure": "quarter",
                        "curve": {"points": [[0, 0], [50000, 1.0]], "beyond": "hold"}}]}


@pytest.fixture
def with_avg_deal_size(monkeypatch):
    monkeypatch.setitem(BUILTIN_METRICS, AVG_DEAL_SIZE.name, AVG_DEAL_SIZE)


def data() -> api.Dataset:
    return api.Dataset.from_frames(
        pd.DataFrame([{"rep_id": "R1", "role": "AE"}, {"rep_id": "R2", "role": "AE"}]),
        deals=pd.DataFrame([
            {"deal_id": "D1", "rep_id": "R1", "close_date": "2027-01-20", "amount": 40000.0, "product": "Core"},
            {"deal_id": "D2", "rep_id": "R1", "close_date": "2027-03-05", "amount": 20000.0, "product": "Core"},
            {"deal_id": "D3", "rep_id": "R2", "close_date": "2027-05-05", "amount": 80000.0, "product": "Core"},
        ]),
        quotas=pd.DataFrame([{"rep_id": r, "period": "2027", "target": 400000.0} for r in ("R1", "R2")]),
    )


def test_a_metric_unknown_to_the_registry_is_refused():
    with pytest.raises(api.PlanError, match="unknown metric 'avg_deal_size'"):
        api.load_plan(PLAN)


def test_a_registered_metric_is_paid_by_hand(with_avg_deal_size):
    sim = api.simulate([PLAN], data())
    lines = sim.payouts.set_index(["rep_id", "period"])
    # R1, Q1: (40,000 + 20,000) / 2 deals = 30,000 -> 30,000 / 50,000 = 0.6 x 2,500 a quarter = 1,500
    assert lines.loc[("R1", "2027-Q1"), "value"] == pytest.approx(30000.0)
    assert lines.loc[("R1", "2027-Q1"), "amount"] == pytest.approx(1500.0)
    # R2, Q2: one deal of 80,000 -> past the last point, held at 1.0 x 2,500
    assert lines.loc[("R2", "2027-Q2"), "amount"] == pytest.approx(2500.0)
    assert sim.statements.set_index("rep_id")["payout"].to_dict() == pytest.approx({"R1": 1500.0, "R2": 2500.0})


def test_a_registered_metric_runs_over_trials_explains_lints_and_is_documented(with_avg_deal_size):
    trials = api.simulate([PLAN], data(), trials=40, seed=3)
    cost = trials.result("bigger-deals").total_cost
    assert cost.shape == (40,) and np.isfinite(cost).all() and cost.max() > 0
    statement = api.explain(PLAN, data(), "R1")
    assert statement.lines["metric"].iloc[0] == "avg_deal_size"
    assert statement.total == pytest.approx(1500.0)
    # its declaration says it grows with deal amounts: lint asks it, and warns about discounting
    warnings = api.lint(PLAN, population=False)
    assert "discount-incentive" in {w.id for w in warnings}
    assert "`avg_deal_size` | ratio | credited bookings per credited deal" in render_reference()
