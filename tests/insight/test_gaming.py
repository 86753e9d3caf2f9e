"""Gaming analysis on tiny datasets, with every gain worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim import api
from comp_sim.data.dataset import Dataset
from comp_sim.api import gaming as gaming_report
from comp_sim.insight.gaming import COLUMNS, gaming_grain
from comp_sim.plan.loader import load_plan

BASE = {"plan": "Test", "id": "test", "start": "2027-01", "roles": {"AE": {"target_incentive": 12_000}}}
RETRO_QUARTERS = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "quarter",
                  "tiers": {"mode": "retroactive", "bands": [{"to": 1.0, "rate": 1.0}, {"rate": 2.0}]}}
LINEAR_YTD = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "quarter", "cumulative": True,
              "curve": {"points": [[0, 0], [2, 2]], "beyond": "extend"}}


def plan(*components):
    return {**BASE, "components": list(components)}


def two_reps(forecasts=None):
    """Quota 100,000 a year each (25,000 a quarter); TI 12,000 (3,000 a quarter).

    R1: D1 22,000 on 20 Mar; D2 5,000 on 5 Apr; D3 20,000 on 20 May. R2: D4 24,000 on 10 May.
    """
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "role": "AE"})
    deals = pd.DataFrame([("D1", "R1", "2027-03-20", 22_000.0), ("D2", "R1", "2027-04-05", 5_000.0),
                          ("D3", "R1", "2027-05-20", 20_000.0), ("D4", "R2", "2027-05-10", 24_000.0)],
                         columns=["deal_id", "rep_id", "close_date", "amount"])
    quotas = pd.DataFrame({"rep_id": ["R1", "R2"], "period": "2027", "metric": "bookings", "target": 100_000.0})
    return Dataset.from_frames(reps, deals=deals, quotas=quotas, forecasts=forecasts)


def row(report, strategy):
    return report.set_index("strategy").loc[strategy]


def test_gains_under_quarterly_retroactive_tiers_by_hand():
    report = gaming_report(plan(RETRO_QUARTERS), two_reps())
    assert list(report.columns) == COLUMNS
    # Base: R1 Q1 22/25 = 0.88 -> 0.88 x 3,000 = 2,640; Q2 25/25 = 1.0 -> 3,000: 5,640.
    #       R2 Q2 24/25 = 0.96 -> 2,880. Plan cost 8,520.
    # Pull: R1 closes D2 on 31 Mar: Q1 27/25 = 1.08 -> 2 x 1.08 x 3,000 = 6,480; Q2 0.8 -> 2,400:
    #       8,880, a gain of 3,240. R2 has no deal in a quarter's first month.
    pull = row(report, "pull_forward")
    assert pull["share_of_reps_gaining"] == 0.5
    assert pull["mean_gain_per_rep"] == pytest.approx(3_240)
    assert pull["added_plan_cost"] == pytest.approx(3_240)
    assert pull["added_cost_pct"] == pytest.approx(3_240 / 8_520)
    # Push: R1 holds D1 (last deal of March) to 1 Apr: Q1 0; Q2 47/25 = 1.88 -> 2 x 1.88 x 3,000
    #       = 11,280: a gain of 11,280 - 5,640 = 5,640.
    assert row(report, "push_out")["added_plan_cost"] == pytest.approx(5_640)
    # Discount: D2 closes on 31 Mar for 4,500: Q1 26.5/25 = 1.06 -> 6,360; Q2 2,400: gain 3,120.
    assert row(report, "discount_to_close")["added_plan_cost"] == pytest.approx(3_120)
    # No forecast component: sandbagging changes nothing.
    assert row(report, "sandbag_forecast")["share_of_reps_gaining"] == 0.0
    # Split: the pair's largest deal is R2's D4 24,000, half to R1. R2 Q2 12/25 = 0.48 -> 1,440
    # (-1,440); R1 Q2 37/25 = 1.48 -> 2 x 1.48 x 3,000 = 8,880 (+5,880). The pair gains 4,440.
    split = row(report, "split_deal")
    assert split["added_plan_cost"] == pytest.approx(4_440)
    assert split["share_of_reps_gaining"] == 1.0 and split["mean_gain_per_rep"] == pytest.approx(2_220)
    assert (report["currency"] == "USD").all()


def test_a_linear_year_to_date_plan_gives_nothing_to_gain():
    report = gaming_report(plan(LINEAR_YTD), two_reps())
    # linear and year to date: moving or splitting a deal changes no one's plan-year total upward
    assert report["added_plan_cost"].tolist() == [0.0] * 5
    assert report["share_of_reps_gaining"].tolist() == [0.0] * 5


def test_sandbagging_a_forecast_by_hand():
    forecast = {"id": "forecast", "weight": 1.0, "metric": "forecast_accuracy", "measure": "quarter",
                "curve": {"points": [[0.7, 0.0], [1.0, 1.0]], "beyond": "hold"}}
    forecasts = pd.DataFrame({"rep_id": ["R1"], "period": ["2027-Q1"], "forecast": [30_000.0]})
    report = gaming_report(plan(forecast), two_reps(forecasts))
    # R1 Q1 books 22,000 on a 30,000 forecast: accuracy 1 - 8/30 = 0.7333 -> (0.0333 / 0.3) x 3,000
    # = 333.33. At 70% the forecast is 21,000: 1 - 1/21 = 0.95238 -> (0.25238 / 0.3) x 3,000 = 2,523.81.
    # Other quarters have no forecast row (forecast 0) and are unchanged.
    sandbag = row(report, "sandbag_forecast")
    assert sandbag["added_plan_cost"] == pytest.approx(2_523.8095 - 333.3333, abs=0.01)
    assert sandbag["share_of_reps_gaining"] == 0.5


def test_grain_follows_the_non_cumulative_bookings_components():
    assert gaming_grain(load_plan(plan(RETRO_QUARTERS))) == "quarter"
    assert gaming_grain(load_plan(plan({**RETRO_QUARTERS, "measure": "month"}))) == "month"
    assert gaming_grain(load_plan(plan(LINEAR_YTD))) == "quarter"
    assert gaming_grain(load_plan("plans/current-2026.yaml")) == "quarter"


def random_population(seed: int = 1, reps: int = 30) -> Dataset:
    """30 AEs, about 24 deals each over 2027 (lognormal sizes around 18,000), quota 520,000 (so
    about half reach it), a quarterly forecast of a quarter of quota, a fifth of deals new logos."""
    rng = np.random.default_rng(seed)
    rep_ids = [f"R{i:02d}" for i in range(reps)]
    rep = np.repeat(rep_ids, rng.poisson(20, reps) + 4)
    close = pd.Timestamp("2027-01-01") + pd.to_timedelta(rng.integers(0, 365, rep.size), unit="D")
    deals = pd.DataFrame({
        "deal_id": [f"D{i}" for i in range(rep.size)], "rep_id": rep, "close_date": close,
        "amount": np.round(rng.lognormal(np.log(18_000), 0.6, rep.size)),
        "product": rng.choice(["Core", "Platform", "Analytics"], rep.size, p=[0.5, 0.3, 0.2]),
        "new_logo": rng.random(rep.size) < 0.2})
    quotas = pd.concat([
        pd.DataFrame({"rep_id": rep_ids, "period": "2027", "metric": "bookings", "target": 520_000.0}),
        pd.DataFrame({"rep_id": rep_ids, "period": "2027", "metric": "new_logos", "target": 4.0})])
    forecasts = pd.DataFrame([(r, f"2027-Q{q}", 130_000.0) for r in rep_ids for q in range(1, 5)],
                             columns=["rep_id", "period", "forecast"])
    return Dataset.from_frames(pd.DataFrame({"rep_id": rep_ids, "role": "AE"}), deals=deals,
                               quotas=quotas, forecasts=forecasts)


def test_balanced_plan_pays_much_less_for_moving_deals_than_the_current_plan():
    data = api.load_data()
    moved = ["pull_forward", "push_out"]
    current = gaming_report("plans/current-2026.yaml", data).set_index("strategy").loc[moved]
    balanced = gaming_report("plans/balanced-2027.yaml", data).set_index("strategy").loc[moved]
    # measured on the same reps and deals of the sample; balanced keeps revenue and new logos
    # year to date, so what is left to gain comes from its quarterly forecast term
    assert balanced["added_plan_cost"].sum() < 0.6 * current["added_plan_cost"].sum()
    assert balanced["mean_gain_per_rep"].max() < current["mean_gain_per_rep"].min()


def test_same_seed_same_pairs_and_the_report_reads_in_the_plan_currency():
    data = random_population(reps=8)
    first = gaming_report(plan(RETRO_QUARTERS), data, seed=3)
    again = gaming_report(plan(RETRO_QUARTERS), data, seed=3)
    pd.testing.assert_frame_equal(first, again)
    assert first["reps"].tolist() == [8] * 5


def test_on_the_bundled_sample_balanced_pays_much_less_for_moving_deals():
    moved = ["pull_forward", "push_out"]
    current = gaming_report("plans/current-2026.yaml").set_index("strategy").loc[moved, "added_plan_cost"].sum()
    balanced = gaming_report("plans/balanced-2027.yaml").set_index("strategy").loc[moved, "added_plan_cost"].sum()
    assert balanced < 0.5 * current


def test_no_deal_moves_or_is_shared_into_a_month_the_rep_is_not_employed():
    # R2 is hired on 1 Apr: R1 cannot split a March deal with R2, and R2's April deal cannot be
    # pulled into March. R2's quota starts in Q2.
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "role": "AE", "hire_date": [None, "2027-04-01"]})
    deals = pd.DataFrame([("D1", "R1", "2027-03-20", 30_000.0), ("D2", "R2", "2027-04-03", 30_000.0)],
                         columns=["deal_id", "rep_id", "close_date", "amount"])
    quotas = pd.DataFrame({"rep_id": ["R1", "R2", "R2", "R2"], "period": ["2027", "2027-Q2", "2027-Q3", "2027-Q4"],
                           "metric": "bookings", "target": [100_000.0, 25_000.0, 25_000.0, 25_000.0]})
    report = gaming_report(plan(RETRO_QUARTERS), Dataset.from_frames(reps, deals=deals, quotas=quotas))
    # pull: nothing may move (R2 not employed in March); push: D1 to 1 Apr is R1's own move:
    # Q1 30/25 = 1.2 -> 2.4 x 3,000 = 7,200 becomes Q2 1.2 -> 7,200: no gain
    assert row(report, "pull_forward")["added_plan_cost"] == 0.0
    assert row(report, "push_out")["added_plan_cost"] == 0.0
    # (a move into R2's March would meet a quota of 0 and stop the run with a data error)
    # split: only D2 (April) can be shared. R2 Q2 30/25 = 1.2 -> 2.4 x 3,000 = 7,200; halved,
    # R2 15/25 = 0.6 -> 1,800 and R1 15/25 = 0.6 -> 1,800: the pair loses 3,600, no gain.
    assert row(report, "split_deal")["added_plan_cost"] == 0.0


def test_a_rep_moves_whichever_deal_pays_more():
    # R1: Q1 D1 22,000 (20 Mar); Q2 D5 1,000 (2 Apr), D2 5,000 (5 Apr), D3 20,000 (20 May).
    # Base: Q1 0.88 -> 2,640; Q2 26/25 = 1.04 -> 2 x 1.04 x 3,000 = 6,240: 8,880.
    # Pulling the first (D5): Q1 0.92 -> 2,760; Q2 1.0 -> 3,000: 5,760 (-3,120).
    # Pulling the largest (D2): Q1 1.08 -> 6,480; Q2 0.84 -> 2,520: 9,000 (+120), the one R1 plays.
    reps = pd.DataFrame({"rep_id": ["R1"], "role": "AE"})
    deals = pd.DataFrame([("D1", "R1", "2027-03-20", 22_000.0), ("D5", "R1", "2027-04-02", 1_000.0),
                          ("D2", "R1", "2027-04-05", 5_000.0), ("D3", "R1", "2027-05-20", 20_000.0)],
                         columns=["deal_id", "rep_id", "close_date", "amount"])
    quotas = pd.DataFrame({"rep_id": ["R1"], "period": "2027", "metric": "bookings", "target": 100_000.0})
    report = gaming_report(plan(RETRO_QUARTERS), Dataset.from_frames(reps, deals=deals, quotas=quotas))
    assert row(report, "pull_forward")["added_plan_cost"] == pytest.approx(120)


@settings(max_examples=15, deadline=None)
@given(measure=st.sampled_from(["month", "quarter", "half"]),
       deals=st.lists(st.tuples(st.sampled_from(["R1", "R2", "R3"]), st.integers(1, 12), st.integers(1, 28),
                                st.floats(1_000, 60_000)), min_size=1, max_size=12))
def test_nothing_to_gain_under_a_linear_year_to_date_plan(measure, deals):
    # earned to date = YTD bookings / YTD quota x YTD TI = YTD bookings x TI / quota (both spread
    # evenly), so the plan-year payout is bookings x TI / quota wherever in the year a deal lands
    # and whoever of two reps with the same TI and quota is credited
    frame = pd.DataFrame([(f"D{i}", rep, f"2027-{m:02d}-{d:02d}", a) for i, (rep, m, d, a) in enumerate(deals)],
                         columns=["deal_id", "rep_id", "close_date", "amount"])
    reps = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "role": "AE"})
    quotas = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "period": "2027", "metric": "bookings", "target": 100_000.0})
    report = gaming_report(plan({**LINEAR_YTD, "measure": measure}), Dataset.from_frames(reps, deals=frame, quotas=quotas))
    assert report["added_plan_cost"].tolist() == [0.0] * 5
