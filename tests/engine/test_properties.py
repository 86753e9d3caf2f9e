"""Invariants over random plans and data: totals reconcile across the three tables, the plan cap
is never exceeded, runs are deterministic, and more bookings never pay less on a plan built to
reward them (non-decreasing curves, tiers and multipliers, no claw-back)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comp_sim.api import simulate
from comp_sim.data.dataset import Dataset
from comp_sim.engine.simulate import run_plans
from comp_sim.periods import Month
from comp_sim.plan.loader import load_plan
from plan_strategies import plan_and_data, plans
from random_source import RandomCubeSource

RANDOM = settings(max_examples=120, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(plan_and_data())
def test_totals_reconcile_across_components_periods_and_reps(case):
    """Payout lines add up to the statements per rep, and to the summary per plan, component
    and month (unrounded float64: equal up to the order of the additions)."""
    plan_dict, dataset = case
    sim = simulate([plan_dict], dataset)
    payouts, statements = sim.payouts, sim.statements
    summary = sim.summary_dict()["plans"]["random"]
    per_rep = payouts.groupby("rep_id")["amount"].sum().reindex(statements["rep_id"], fill_value=0.0)
    assert per_rep.to_numpy() == pytest.approx(statements["payout"].to_numpy(), rel=1e-12, abs=1e-9)
    capped = payouts.groupby("rep_id")["capped"].sum().reindex(statements["rep_id"], fill_value=0.0)
    assert capped.to_numpy() == pytest.approx(statements["capped"].to_numpy(), rel=1e-12, abs=1e-9)
    for component_id, paid in summary["by_component"].items():
        lines = payouts.loc[payouts["component"] == component_id, "amount"].sum()
        assert paid == pytest.approx(lines, rel=1e-12, abs=1e-9)
        assert paid == pytest.approx(statements[f"pay_{component_id}"].sum(), rel=1e-12, abs=1e-9)
    by_month = payouts.groupby("pay_month")["amount"].sum()
    for month, paid in summary["by_month"].items():
        assert paid == pytest.approx(by_month.get(month, 0.0), rel=1e-12, abs=1e-9)
    assert summary["total_payout"] == pytest.approx(payouts["amount"].sum(), rel=1e-12, abs=1e-9)
    assert summary["total_payout"] == pytest.approx(statements["payout"].sum(), rel=1e-12, abs=1e-9)
    assert summary["capped"] == pytest.approx(payouts["capped"].sum(), rel=1e-12, abs=1e-9)


@RANDOM
@given(plan_and_data())
def test_the_plan_cap_is_never_exceeded_and_paid_plus_capped_is_due(case):
    plan_dict, dataset = case
    sim = simulate([plan_dict], dataset)
    result = sim.results[0]
    for component in result.detail[0].components:
        np.testing.assert_allclose(component.amount + component.capped, component.payment, rtol=0, atol=1e-9)
        assert (component.capped >= -1e-9).all()  # the cap only ever cuts
    if "cap" in plan_dict:  # the cap bounds what the components pay (it neither cuts nor counts a draw)
        cap = plan_dict["cap"]["multiple_of_ti"] * result.roster.cap_basis_ti
        components = sum(c.paid for c in result.detail[0].components)
        assert (components[0] <= cap * (1 + 1e-12) + 1e-9).all()
    else:
        assert (sim.payouts["capped"] == 0).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan_and_data(monotone=True), st.integers(0, 3), st.integers(0, 364),
       st.integers(1, 200), st.booleans())
def test_more_bookings_never_pay_less(case, rep, day, thousands, new_logo):
    """One more deal for a rep, on a plan whose curves, tiers and multipliers never fall and that
    holds negative true-ups: that rep's plan-year payout does not go down."""
    plan_dict, dataset = case
    rep_id = dataset.reps["rep_id"].iloc[rep % len(dataset.reps)]
    extra = pd.DataFrame([{"deal_id": "EXTRA", "rep_id": rep_id, "amount": 1000.0 * thousands,
                           "close_date": Month.parse(plan_dict["start"]).first_day + dt.timedelta(days=day),
                           "product": "Core", "new_logo": new_logo, "discount": 0.0, "split": 1.0}])
    more = Dataset.from_frames(dataset.reps, deals=pd.concat([dataset.deals, extra], ignore_index=True),
                               quotas=dataset.quotas, forecasts=dataset.forecasts, mbo=dataset.mbo)
    before = simulate([plan_dict], dataset).statements.set_index("rep_id")["payout"]
    after = simulate([plan_dict], more).statements.set_index("rep_id")["payout"]
    if rep_id in before.index:
        assert after[rep_id] >= before[rep_id] - 1e-9 * max(1.0, abs(before[rep_id]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.integers(0, 2**32 - 1))
def test_same_seed_gives_identical_results_however_chunks_are_scheduled(plan_dict, seed):
    plan = load_plan(plan_dict)
    one = run_plans([plan], RandomCubeSource(5, 30, seed, chunk_trials=7), workers=1)[0]
    two = run_plans([plan], RandomCubeSource(5, 30, seed, chunk_trials=7), workers=2)[0]
    for name in ("paid", "capped", "bookings", "by_component", "by_month", "rep_component_sum"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    other = run_plans([plan], RandomCubeSource(5, 30, seed + 1, chunk_trials=7), workers=1)[0]
    assert not np.array_equal(one.bookings, other.bookings)  # a new seed draws new trials


def test_detail_kept_for_the_first_trials_matches_the_whole_run():
    """Detail cut mid-chunk (10 of 30 trials, chunks of 7) is the first 10 trials of the full
    detail, and the totals do not depend on how much detail is kept."""
    plan = load_plan("plans/balanced-2027.yaml")
    full = run_plans([plan], RandomCubeSource(5, 30, 11, chunk_trials=7), detail_trials=30, workers=1)[0]
    cut = run_plans([plan], RandomCubeSource(5, 30, 11, chunk_trials=7), detail_trials=10, workers=1)[0]
    assert sum(run.trials for run in cut.detail) == 10
    assert np.array_equal(full.paid, cut.paid)
    for index in range(len(plan.components)):
        whole = np.concatenate([run.components[index].amount for run in full.detail])[:10]
        kept = np.concatenate([run.components[index].amount for run in cut.detail])
        assert np.array_equal(whole, kept)


def test_same_seed_gives_identical_monte_carlo_results_on_a_bundled_plan():
    """balanced-2027 over synthetic trials: the seed alone fixes every number, whatever the
    chunking and threads; another seed gives other numbers."""
    from comp_sim.synth.trials import MonteCarloSource

    plan = load_plan("plans/balanced-2027.yaml")

    def run(seed: int, chunk: int, workers: int):
        source = MonteCarloSource.synthetic(20, 40, seed, "2027-01", chunk_trials=chunk)
        return run_plans([plan], source, workers=workers)[0]

    first, again, other = run(5, 7, 1), run(5, 16, 2), run(6, 7, 1)
    for name in ("paid", "capped", "bookings", "by_component", "by_month"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    assert not np.array_equal(first.paid, other.paid)
    assert first.paid.sum() > 0
