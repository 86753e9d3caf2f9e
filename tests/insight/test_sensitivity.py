"""Sensitivity of cost to attainment, mix and new logos, with hand-computed figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim.api import simulate
from comp_sim.data.dataset import Dataset
from comp_sim.engine.simulate import HistoricalSource
from comp_sim.errors import UsageError
from comp_sim.api import sensitivity
from comp_sim.insight.sensitivity import COLUMNS, elasticity, shift_dataset

BASE = {"plan": "Test", "id": "test", "start": "2027-01", "roles": {"AE": {"target_incentive": 10_000}}}
ACCELERATED = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "year",
               "curve": {"points": [[0, 0], [1, 1], [2, 3]], "beyond": "hold"}}


def plan(*components, **extra):
    return {**BASE, "components": list(components), **extra}


def one_rep(deals, quota=100_000.0):
    reps = pd.DataFrame({"rep_id": ["R1"], "role": ["AE"]})
    frame = pd.DataFrame(deals, columns=["deal_id", "rep_id", "close_date", "amount", "product", "new_logo"])
    quotas = pd.DataFrame({"rep_id": ["R1"], "period": ["2027"], "metric": ["bookings"], "target": [quota]})
    return Dataset.from_frames(reps, deals=frame, quotas=quotas)


AT_QUOTA = one_rep([("D1", "R1", "2027-03-01", 50_000.0, "Core", False),
                    ("D2", "R1", "2027-06-01", 50_000.0, "Platform", True)])


def test_attainment_shift_by_hand():
    table = sensitivity([plan(ACCELERATED)], AT_QUOTA, shifts=(-0.2, 0.0, 0.2))
    assert list(table.columns) == COLUMNS
    # bookings 80,000 / 100,000 / 120,000 -> fraction 0.8 / 1.0 / 1 + 2 x 0.2 = 1.4 of TI 10,000
    assert table["cost"].tolist() == pytest.approx([8_000, 10_000, 14_000])
    assert table["cost_of_sales"].tolist() == pytest.approx([0.1, 0.1, 14_000 / 120_000])
    assert table["payout_pct_ti_mean"].tolist() == pytest.approx([0.8, 1.0, 1.4])
    assert table["share_at_quota"].tolist() == [0.0, 1.0, 1.0]
    slope = elasticity(table).iloc[0]
    # (14,000 - 8,000) / 0.4 = 15,000 per unit of shift: 150 per 1% more attainment; 1.5% of cost per 1%
    assert slope["cost_per_pct"] == pytest.approx(150)
    assert slope["cost_elasticity"] == pytest.approx(1.5)
    assert slope["payout_pct_ti_per_pct"] == pytest.approx(0.015)


def test_monte_carlo_source_scales_the_cube_like_the_deals():
    p = plan(ACCELERATED)
    by_deals = sensitivity([p], AT_QUOTA, shifts=(-0.3, 0.1, 0.3))
    by_cube = sensitivity([p], HistoricalSource(AT_QUOTA), shifts=(-0.3, 0.1, 0.3))
    assert by_cube["cost"].tolist() == pytest.approx(by_deals["cost"].tolist())
    with pytest.raises(UsageError, match="needs deal-level data"):
        sensitivity([p], HistoricalSource(AT_QUOTA), dimension="mix", strategic=["Platform"])


def test_monte_carlo_trials_around_the_data_match_simulate_at_no_shift():
    p = plan(ACCELERATED)
    table = sensitivity([p], AT_QUOTA, shifts=(-0.1, 0.0, 0.1), trials=50, seed=4)
    at_zero = simulate([p], AT_QUOTA, trials=50, seed=4).summary.iloc[0]
    assert table["cost"].iloc[1] == pytest.approx(at_zero["total_payout"])
    assert table["cost"].is_monotonic_increasing


def test_mix_shift_by_hand():
    mix = plan(ACCELERATED,
               metrics={"platform": {"sum": "amount", "where": {"product": "Platform"}},
                        "platform_share": {"ratio": ["platform", "bookings"]}},
               modifiers=[{"id": "mix", "multiplier": {"metric": "platform_share", "points": [[0, 0.5], [1, 1.5]]},
                           "applies_to": ["revenue"]}])
    table = sensitivity([mix], AT_QUOTA, shifts=(-1.0, 0.0, 1.0), dimension="mix")
    # Platform share 0 / 0.5 / 1 -> multiplier 0.5 / 1.0 / 1.5 on 1.0 x 10,000
    assert table["cost"].tolist() == pytest.approx([5_000, 10_000, 15_000])
    assert table["bookings"].tolist() == [100_000.0] * 3


def test_mix_of_plans_that_single_out_no_product():
    # no plan metric filters on product: no deal changes, and the cost is flat
    table = sensitivity([plan(ACCELERATED)], AT_QUOTA, shifts=(-1.0, 0.0, 1.0), dimension="mix")
    assert table["cost"].tolist() == pytest.approx([10_000] * 3)
    # named products change deals, but this plan does not pay on the mix either
    table = sensitivity([plan(ACCELERATED)], AT_QUOTA, shifts=(0.0, 1.0), dimension="mix", strategic=["Platform"])
    assert table["cost"].tolist() == pytest.approx([10_000, 10_000])
    shifted = shift_dataset(AT_QUOTA, "mix", 1.0, np.zeros(2), ["Platform"]).deals
    assert shifted["product"].tolist() == ["Platform", "Platform"]
    assert shift_dataset(AT_QUOTA, "mix", 1.0, np.zeros(2), ()).deals["product"].tolist() == ["Core", "Platform"]


def test_new_logo_shift_by_hand():
    spiff = {"id": "logos", "measure": "year", "spiff": {"metric": "new_logos", "amount": 1_000}}
    table = sensitivity([plan(spiff)], AT_QUOTA, shifts=(-1.0, 0.0, 1.0), dimension="new_logos")
    # one new logo of two; all lose the flag / none change / all gain it
    assert table["cost"].tolist() == [0.0, 1_000.0, 2_000.0]


def test_unknown_dimension_is_a_usage_error():
    with pytest.raises(UsageError, match="dimension is one of attainment, mix, new_logos"):
        sensitivity([plan(ACCELERATED)], AT_QUOTA, dimension="price")


def test_shift_changes_nested_sets_of_deals():
    draws = np.array([0.05, 0.15, 0.25, 0.95])
    deals = pd.DataFrame({"deal_id": list("ABCD"), "rep_id": "R1", "close_date": "2027-02-01",
                          "amount": 1.0, "product": "Core", "new_logo": False})
    ds = Dataset.from_frames(pd.DataFrame({"rep_id": ["R1"], "role": ["AE"]}), deals=deals)
    flipped = [shift_dataset(ds, "new_logos", s, draws).deals["new_logo"].tolist() for s in (0.1, 0.2, 0.3)]
    assert flipped == [[True, False, False, False], [True, True, False, False], [True, True, True, False]]


@st.composite
def non_decreasing_plans(draw):
    xs = sorted(draw(st.lists(st.floats(0.0, 2.5).map(lambda v: round(v, 2)), min_size=2, max_size=4, unique=True)))
    steps = draw(st.lists(st.floats(0.0, 1.5), min_size=len(xs), max_size=len(xs)))
    ys = np.cumsum(steps).round(4).tolist()
    curve = {"points": [[x, y] for x, y in zip(xs, ys)], "beyond": draw(st.sampled_from(["hold", "extend"]))}
    component = {"id": "revenue", "weight": 1.0, "metric": "attainment",
                 "measure": draw(st.sampled_from(["month", "quarter", "year"])),
                 "cumulative": draw(st.booleans()), "curve": curve}
    extra = {"cap": {"multiple_of_ti": draw(st.sampled_from([1.5, 3.0]))}} if draw(st.booleans()) else {}
    return plan(component, **extra)


@settings(max_examples=40, deadline=None)
@given(p=non_decreasing_plans(),
       amounts=st.lists(st.floats(1_000, 80_000), min_size=1, max_size=6),
       months=st.lists(st.integers(1, 12), min_size=6, max_size=6))
def test_cost_never_falls_as_attainment_rises(p, amounts, months):
    deals = [(f"D{i}", "R1", f"2027-{months[i]:02d}-10", a, "Core", False) for i, a in enumerate(amounts)]
    table = sensitivity([p], one_rep(deals), shifts=(-0.3, -0.1, 0.0, 0.2, 0.3))
    cost = table["cost"].to_numpy()
    assert np.all(np.diff(cost) >= -1e-6), cost
