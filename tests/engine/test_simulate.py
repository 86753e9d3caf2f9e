"""The engine end to end on small data, with every expected amount worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim.api import compare, explain, simulate
from comp_sim.data.dataset import Dataset
from comp_sim.errors import DataError, UsageError
from comp_sim.periods import Month

BASE = {"plan": "Test", "id": "test", "start": "2027-01", "roles": {"AE": {"target_incentive": 12000}}}


def plan(**overrides):
    return {**BASE, **overrides}


def data(reps, deals=(), quotas=(), forecasts=()):
    frame = lambda rows, cols: pd.DataFrame(list(rows), columns=cols)  # noqa: E731
    return Dataset.from_frames(
        pd.DataFrame(reps),
        deals=frame(deals, ["deal_id", "rep_id", "close_date", "amount", "product", "new_logo", "split"]),
        quotas=frame(quotas, ["rep_id", "period", "metric", "target"]),
        forecasts=frame(forecasts, ["rep_id", "period", "forecast"]),
    )


def paid(sim, rep_id, component=None, period=None):
    rows = sim.payouts[sim.payouts["rep_id"] == rep_id]
    if component:
        rows = rows[rows["component"] == component]
    if period:
        rows = rows[rows["period"] == period]
    return float(rows["amount"].sum())


QUARTERLY_REVENUE = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "quarter",
                     "curve": {"points": [[0, 0], [1, 1], [2, 3]], "beyond": "hold"}}


def test_mid_year_hire_is_prorated_by_days_in_the_window():
    # R1 hired 2027-02-15: Q1 has 90 days, employed 14 + 31 = 45 -> Q1 TI = 12,000 x 3/12 x 45/90 = 1,500
    ds = data([{"rep_id": "R1", "role": "AE", "hire_date": "2027-02-15"}],
              deals=[("D1", "R1", "2027-03-10", 30_000, "Core", False, 1.0)],
              quotas=[("R1", "2027-Q1", "bookings", 30_000), ("R1", "2027-Q2", "bookings", 30_000)])
    sim = simulate([plan(components=[QUARTERLY_REVENUE])], ds)
    assert paid(sim, "R1", period="2027-Q1") == pytest.approx(1_500.0)  # attainment 1.0 -> fraction 1
    assert paid(sim, "R1", period="2027-Q2") == 0.0  # no bookings in Q2
    statement = sim.statements.iloc[0]
    # cap basis TI: 12,000 x (365 - 45) / 365 days employed in 2027 = 10,520.5479...
    assert statement["prorated_ti"] == pytest.approx(12_000 * 320 / 365)


def test_cumulative_quarters_true_up_and_hold_a_deficit():
    # Quota 25,000 a quarter. Q1 books 50,000 -> YTD attainment 2.0 -> fraction 3.0 x YTD TI 3,000
    # = 9,000. Q2 books 0 -> YTD 50/50 = 1.0 -> earned 1.0 x 6,000 = 6,000 < 9,000 paid: hold (0).
    # Q3 books 50,000 -> YTD 100/75 = 1.3333 -> 1 + 2 x 0.3333 = 1.6667 x 9,000 = 15,000 -> pays 6,000.
    revenue = {**QUARTERLY_REVENUE, "cumulative": True}
    ds = data([{"rep_id": "R1", "role": "AE"}],
              deals=[("D1", "R1", "2027-02-01", 50_000, "Core", False, 1.0),
                     ("D2", "R1", "2027-08-01", 50_000, "Core", False, 1.0)],
              quotas=[("R1", "2027", "bookings", 100_000)])
    sim = simulate([plan(components=[revenue])], ds)
    by_period = [paid(sim, "R1", period=f"2027-Q{q}") for q in (1, 2, 3, 4)]
    # Q4: YTD 100/100 = 1.0 -> earned 12,000 < 15,000 paid: hold
    assert by_period == pytest.approx([9_000.0, 0.0, 6_000.0, 0.0])
    claw = simulate([plan(components=[revenue], negative_true_up="claw_back")], ds)
    # claw back: 9,000, 6,000 - 9,000 = -3,000, 15,000 - 6,000 = 9,000, 12,000 - 15,000 = -3,000
    assert [paid(claw, "R1", period=f"2027-Q{q}") for q in (1, 2, 3, 4)] == pytest.approx(
        [9_000.0, -3_000.0, 9_000.0, -3_000.0])


def test_plan_cap_cuts_in_date_order_and_negative_payments_free_room():
    # Cap 1.5 x TI 12,000 = 18,000. Monthly SPIFF 10,000 per new logo: Jan 1 logo, Feb 1 logo
    # (cut to 8,000, 2,000 capped), Mar 1 logo (all 10,000 capped).
    spiff = {"id": "logo", "measure": "month", "spiff": {"metric": "new_logos", "amount": 10_000}}
    ds = data([{"rep_id": "R1", "role": "AE"}],
              deals=[(f"D{m}", "R1", f"2027-0{m}-15", 1_000, "Core", True, 1.0) for m in (1, 2, 3)])
    sim = simulate([plan(components=[spiff], cap={"multiple_of_ti": 1.5})], ds)
    rows = sim.payouts.set_index("period")
    assert rows.loc["2027-01", "amount"] == 10_000.0
    assert rows.loc["2027-02", "amount"] == 8_000.0 and rows.loc["2027-02", "capped"] == 2_000.0
    assert rows.loc["2027-03", "amount"] == 0.0 and rows.loc["2027-03", "capped"] == 10_000.0
    assert sim.statements.iloc[0]["payout"] == 18_000.0


def test_cap_orders_components_by_plan_order_within_a_period():
    # Both pay in March. Cap 1.0 x 12,000. spiff_a pays 9,000 first, spiff_b's 9,000 is cut to 3,000.
    a = {"id": "spiff_a", "measure": "quarter", "spiff": {"metric": "deals", "amount": 9_000}}
    b = {"id": "spiff_b", "measure": "month", "spiff": {"metric": "deals", "amount": 9_000}}
    ds = data([{"rep_id": "R1", "role": "AE"}], deals=[("D1", "R1", "2027-03-15", 1_000, "Core", False, 1.0)])
    sim = simulate([plan(components=[a, b], cap={"multiple_of_ti": 1.0})], ds)
    assert paid(sim, "R1", "spiff_a") == 9_000.0
    assert paid(sim, "R1", "spiff_b") == 3_000.0


def test_gate_caps_the_fraction_and_multiplier_scales_the_money():
    # Annual: bookings 150,000 on quota 100,000 -> curve [[0,0],[1,1],[2,3]] -> 2.0.
    # Gate new_logos >= 1 closed (no new logo) -> fraction capped at 1.0 -> 1.0 x 12,000 = 12,000.
    # Multiplier on Platform share: 60,000 / 150,000 = 0.4 -> points [[0.2, 0.5], [0.6, 1.5]]
    # -> 0.5 + 1.0 x (0.2 / 0.4) = 1.0 ... use 0.3 share instead: 45,000 / 150,000 = 0.3 -> 0.75.
    revenue = {**QUARTERLY_REVENUE, "measure": "year"}
    p = plan(
        metrics={"platform": {"sum": "amount", "where": {"product": "Platform"}},
                 "platform_share": {"ratio": ["platform", "bookings"]}},
        components=[revenue],
        modifiers=[{"id": "gate", "gate": {"metric": "new_logos", "min": 1, "cap_when_closed": 1.0},
                    "applies_to": ["revenue"]},
                   {"id": "mix", "multiplier": {"metric": "platform_share", "points": [[0.2, 0.5], [0.6, 1.5]]},
                    "applies_to": ["revenue"]}],
    )
    ds = data([{"rep_id": "R1", "role": "AE"}],
              deals=[("D1", "R1", "2027-05-01", 105_000, "Core", False, 1.0),
                     ("D2", "R1", "2027-06-01", 45_000, "Platform", False, 1.0)],
              quotas=[("R1", "2027", "bookings", 100_000)])
    sim = simulate([p], ds)
    row = sim.payouts.iloc[0]
    assert row["value"] == pytest.approx(1.5)
    assert row["fraction"] == pytest.approx(1.0)
    assert row["multiplier"] == pytest.approx(0.75)
    assert row["amount"] == pytest.approx(9_000.0)  # 1.0 x 12,000 x 0.75


def test_split_deal_credits_amount_times_split_and_counts_each_rep_once():
    ds = data([{"rep_id": "R1", "role": "AE"}, {"rep_id": "R2", "role": "AE"}],
              deals=[("D1", "R1", "2027-01-10", 100_000, "Core", True, 0.6),
                     ("D1", "R2", "2027-01-10", 100_000, "Core", True, 0.4)])
    commission = {"id": "c", "measure": "month", "commission": {"bands": [{"rate": 0.1}]}}
    spiff = {"id": "s", "measure": "month", "spiff": {"metric": "new_logos", "amount": 500}}
    sim = simulate([plan(components=[commission, spiff])], ds)
    assert paid(sim, "R1", "c") == pytest.approx(6_000.0)  # 60,000 x 10%
    assert paid(sim, "R2", "c") == pytest.approx(4_000.0)
    assert paid(sim, "R1", "s") == paid(sim, "R2", "s") == 500.0


def test_rep_ti_overrides_the_role_and_other_roles_are_not_covered():
    ds = data([{"rep_id": "R1", "role": "AE", "target_incentive": 24_000},
               {"rep_id": "R2", "role": "AE"}, {"rep_id": "R3", "role": "SE"}],
              deals=[("D1", "R1", "2027-01-10", 100_000, "Core", False, 1.0),
                     ("D2", "R2", "2027-01-10", 100_000, "Core", False, 1.0)],
              quotas=[(r, "2027", "bookings", 100_000) for r in ("R1", "R2", "R3")])
    sim = simulate([plan(components=[{**QUARTERLY_REVENUE, "measure": "year"}])], ds)
    assert list(sim.statements["rep_id"]) == ["R1", "R2"]
    assert list(sim.statements["payout"]) == pytest.approx([24_000.0, 12_000.0])


def test_a_proposed_plan_replays_on_the_year_the_data_covers():
    ds = data([{"rep_id": "R1", "role": "AE"}],
              deals=[("D1", "R1", "2026-05-10", 100_000, "Core", False, 1.0)],
              quotas=[("R1", "2026", "bookings", 100_000)])
    sim = simulate([plan(components=[{**QUARTERLY_REVENUE, "measure": "year"}])], ds)
    assert sim.results[0].start == Month.parse("2026-01")
    assert sim.payouts["period"].tolist() == ["2026"]
    assert sim.payouts["amount"].tolist() == pytest.approx([12_000.0])
    assert any("ran on the data's plan year 2026-01..2026-12" in note for note in sim.notes)


def test_fiscal_year_starting_in_february_aligns_quarters_to_the_plan_start():
    # Q1 is Feb-Apr: the January deal is outside the plan year, the April deal is in Q1.
    ds = data([{"rep_id": "R1", "role": "AE"}],
              deals=[("D0", "R1", "2027-01-20", 30_000, "Core", False, 1.0),
                     ("D1", "R1", "2027-04-30", 30_000, "Core", False, 1.0)],
              quotas=[("R1", "2027-02", "bookings", 10_000), ("R1", "2027-03", "bookings", 10_000),
                      ("R1", "2027-04", "bookings", 10_000)])
    sim = simulate([plan(start="2027-02", components=[QUARTERLY_REVENUE])], ds)
    q1 = sim.payouts[sim.payouts["period"] == "FY2027-Q1"].iloc[0]
    assert q1["value"] == pytest.approx(1.0)
    assert q1["amount"] == pytest.approx(3_000.0)  # 1.0 x 12,000 x 3/12
    assert q1["pay_month"] == "2027-04"


def test_non_zero_bookings_over_zero_quota_is_a_data_error_naming_rep_and_period():
    ds = data([{"rep_id": "R1", "role": "AE"}],
              deals=[("D1", "R1", "2027-05-10", 5_000, "Core", False, 1.0)],
              quotas=[("R1", "2027-Q1", "bookings", 10_000)])
    with pytest.raises(DataError, match=r"^rep R1: 2027-Q2: attainment = bookings / quota = 5,000.00 / 0: "
                                        r"a quota of 0 cannot divide a non-zero bookings"):
        simulate([plan(components=[QUARTERLY_REVENUE])], ds)


def test_every_zero_quota_problem_is_counted_after_the_first_50():
    # 10 reps x 12 months, each month booked and no quota: 120 problems, 50 shown, 70 counted
    reps = [{"rep_id": f"R{r:02d}", "role": "AE"} for r in range(10)]
    deals = [(f"D{r}-{m}", f"R{r:02d}", f"2027-{m:02d}-10", 1_000, "Core", False, 1.0)
             for r in range(10) for m in range(1, 13)]
    monthly = {**QUARTERLY_REVENUE, "measure": "month"}
    with pytest.raises(DataError) as caught:
        simulate([plan(components=[monthly])], data(reps, deals=deals))
    assert caught.value.total == 120
    lines = str(caught.value).splitlines()
    assert len(lines) == 51
    assert lines[-1] == "... and 70 more data error(s)"


def test_on_zero_replaces_the_error_for_a_plan_ratio():
    p = plan(metrics={"logo_attainment": {"ratio": ["new_logos", "target.new_logos"], "on_zero": 1.0}},
             components=[{**QUARTERLY_REVENUE, "metric": "logo_attainment", "measure": "year"}])
    ds = data([{"rep_id": "R1", "role": "AE"}], deals=[("D1", "R1", "2027-05-10", 5_000, "Core", True, 1.0)])
    assert simulate([p], ds).payouts["amount"].tolist() == pytest.approx([12_000.0])


def test_explain_shows_each_step_and_totals_match_the_run():
    ds = data([{"rep_id": "R1", "role": "AE", "name": "Ada"}],
              deals=[("D1", "R1", "2027-02-01", 50_000, "Core", False, 1.0)],
              quotas=[("R1", "2027", "bookings", 100_000)])
    p = plan(components=[{**QUARTERLY_REVENUE, "cumulative": True}])
    st_ = explain(p, ds, "R1")
    assert st_.total == pytest.approx(9_000.0)
    text = st_.text()
    assert "attainment (year to date) = 2.0000" in text
    assert "x weight 1 x TI 3,000.00 = 9,000.00" in text
    assert "TOTAL" in text and "9,000.00 USD" in text
    with pytest.raises(UsageError, match="no rep 'R9' on plan test"):
        explain(p, ds, "R9")


def test_compare_counts_winners_and_losers_against_the_baseline():
    ds = data([{"rep_id": "R1", "role": "AE"}, {"rep_id": "R2", "role": "AE"}],
              deals=[("D1", "R1", "2027-02-01", 150_000, "Core", False, 1.0),
                     ("D2", "R2", "2027-02-01", 50_000, "Core", False, 1.0)],
              quotas=[(r, "2027", "bookings", 100_000) for r in ("R1", "R2")])
    year = {**QUARTERLY_REVENUE, "measure": "year"}
    flat = plan(id="flat", components=[{**year, "curve": {"points": [[0, 0], [1, 1]], "beyond": "hold"}}])
    steep = plan(id="steep", components=[year])
    # flat: R1 1.0 x 12,000, R2 0.5 x 12,000; steep: R1 (1 + 2 x 0.5) = 2.0 x 12,000, R2 6,000
    comparison = compare(simulate([flat, steep], ds), baseline="flat")
    reps = comparison.reps.set_index("rep_id")
    assert reps.loc["R1", "delta"] == pytest.approx(12_000.0) and reps.loc["R1", "outcome"] == "winner"
    assert reps.loc["R2", "outcome"] == "same"
    row = comparison.plans.set_index("plan").loc["steep"]
    assert row["delta_vs_baseline"] == pytest.approx(12_000.0)
    assert (row["winners"], row["losers"]) == (1, 0)
    with pytest.raises(UsageError, match="no plan or program 'nope' in this run"):
        compare(simulate([flat], ds), baseline="nope")


# ----------------------------------------------------------------------------- properties

@st.composite
def small_runs(draw):
    reps = draw(st.integers(1, 4))
    deals = draw(st.lists(st.tuples(st.integers(0, reps - 1), st.integers(1, 12),
                                    st.floats(-5_000, 80_000, allow_nan=False), st.booleans(),
                                    st.sampled_from(["Core", "Platform"])), max_size=25))
    cap = draw(st.none() | st.floats(0.5, 3))
    claw = draw(st.booleans())
    return reps, deals, cap, claw


@settings(max_examples=60, deadline=None)
@given(small_runs())
def test_totals_reconcile_and_the_cap_is_never_exceeded(run):
    n_reps, deals, cap, claw = run
    rep_ids = [f"R{i}" for i in range(n_reps)]
    ds = data([{"rep_id": r, "role": "AE"} for r in rep_ids],
              deals=[(f"D{i}", rep_ids[r], f"2027-{m:02d}-10", a, p, nl, 1.0) for i, (r, m, a, nl, p) in enumerate(deals)],
              quotas=[(r, "2027", "bookings", 120_000) for r in rep_ids])
    p = plan(components=[{**QUARTERLY_REVENUE, "weight": 0.7, "cumulative": True},
                         {"id": "mix", "weight": 0.3, "metric": "attainment", "measure": "month",
                          "tiers": {"mode": "retroactive", "bands": [{"to": 1.0, "rate": 1.0}, {"rate": 2.0}]}},
                         {"id": "logo", "measure": "month", "spiff": {"metric": "new_logos", "amount": 700}}],
             cap=None if cap is None else {"multiple_of_ti": cap},
             negative_true_up="claw_back" if claw else "hold")
    sim = simulate([p], ds)
    payouts = sim.payouts
    per_rep = payouts.groupby("rep_id")["amount"].sum().reindex(rep_ids)
    assert np.allclose(per_rep.to_numpy(), sim.statements["payout"].to_numpy(), atol=1e-9)
    assert sim.summary["total_payout"].iloc[0] == pytest.approx(payouts["amount"].sum(), abs=1e-6)
    by_component = payouts.groupby("component")["amount"].sum()
    assert sum(sim.summary_dict()["plans"]["test"]["by_component"].values()) == pytest.approx(by_component.sum(), abs=1e-6)
    assert sum(sim.summary_dict()["plans"]["test"]["by_month"].values()) == pytest.approx(payouts["amount"].sum(), abs=1e-6)
    if cap is not None:
        assert np.all(per_rep.to_numpy() <= cap * 12_000 + 1e-6)
        # what was cut plus what was paid is what was due
        due = sim.results[0].detail[0]
        for component in due.components:
            assert np.allclose(component.amount + component.capped, component.payment)


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 300_000, allow_nan=False), st.floats(0, 100_000, allow_nan=False))
def test_payout_never_falls_when_bookings_rise(bookings, extra):
    """Non-decreasing curves and no claw-back: more bookings never pay less."""
    p = plan(components=[{**QUARTERLY_REVENUE, "cumulative": True, "curve": {"points": [[0.5, 0.2], [1, 1], [1.5, 2]]}}],
             cap={"multiple_of_ti": 2.5})

    def total(amount):
        ds = data([{"rep_id": "R1", "role": "AE"}], deals=[("D1", "R1", "2027-05-10", amount, "Core", False, 1.0)],
                  quotas=[("R1", "2027", "bookings", 100_000)])
        return simulate([p], ds).statements["payout"].iloc[0]

    assert total(bookings + extra) >= total(bookings) - 1e-9
