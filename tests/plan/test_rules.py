"""Payout primitives against numbers computed by hand, and the invariants they must keep."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim.plan import rules
from comp_sim.engine.run import true_up
from comp_sim.plan.rules import Band, Commission, Curve, Gate, Multiplier, Spiff, Tiers

SPEC_CURVE = Curve(points=[(0.5, 0.25), (1.0, 1.0), (1.5, 2.0)], below=0, beyond="extend", cap=3.0)


@pytest.mark.parametrize("attainment, expected", [
    (0.0, 0.0),          # below the first point: `below`
    (0.4999999, 0.0),
    (0.5, 0.25),         # exactly the first x pays its y
    (0.75, 0.625),       # 0.25 + (1.0 - 0.25) x (0.25 / 0.5)
    (1.0, 1.0),
    (1.2, 1.4),          # 1.0 + 2.0 x 0.2 (slope 1.0 / 0.5)
    (1.5, 2.0),
    (1.75, 2.5),         # extend the last slope: 2.0 + 2 x 0.25
    (2.0, 3.0),          # 2.0 + 2 x 0.5 = 3.0, exactly the cap
    (4.0, 3.0),          # 2.0 + 2 x 2.5 = 7.0, capped at 3.0
])
def test_spec_revenue_curve(attainment, expected):
    assert rules.curve(np.array(attainment), SPEC_CURVE) == pytest.approx(expected, abs=1e-12)


def test_hold_keeps_the_last_value_and_below_is_paid_under_the_first_point():
    rule = Curve(points=[(0.7, 0.0), (0.9, 1.0), (1.0, 1.25)], below=-0.1, beyond="hold")
    got = rules.curve(np.array([0.5, 0.7, 0.8, 0.95, 1.0, 5.0]), rule)
    assert got.tolist() == pytest.approx([-0.1, 0.0, 0.5, 1.125, 1.25, 1.25])


def test_a_repeated_x_is_a_right_continuous_step():
    rule = Curve(points=[(0.0, 0.0), (1.0, 0.5), (1.0, 1.0), (2.0, 2.0)], beyond="hold")
    got = rules.curve(np.array([0.5, 0.999999, 1.0, 1.5, 2.0, 3.0]), rule)
    # 0.25 on the first ramp, 0.4999995 just before the step, 1.0 at the step, then 1.5, 2.0, held
    assert got.tolist() == pytest.approx([0.25, 0.4999995, 1.0, 1.5, 2.0, 2.0])


def test_a_step_at_the_end_extends_with_the_last_sloped_segment():
    rule = Curve(points=[(0.0, 0.0), (1.0, 1.0), (1.0, 2.0)], beyond="extend")
    # last non-vertical segment has slope 1: at 1.5 pays 2.0 + 0.5
    assert rules.curve(np.array([1.0, 1.5]), rule).tolist() == pytest.approx([2.0, 2.5])


def test_a_single_point_curve_is_flat_after_its_threshold():
    rule = Curve(points=[(1.0, 1.0)], below=0.0, beyond="extend")
    assert rules.curve(np.array([0.9, 1.0, 2.0]), rule).tolist() == [0.0, 1.0, 1.0]


def test_the_edge_is_compared_at_nine_decimals():
    # 100,000 quota spread over 12 months and summed back is not exactly 100,000 in binary
    monthly = np.full(12, 100_000 / 12)
    quota = monthly.sum()
    attainment = 120_000 / quota
    assert attainment != 1.2  # the float is a hair off
    bands = [Band(to=1.2, rate=1.0), Band(rate=2.0)]
    assert rules.banded(np.array(attainment), bands, "retroactive") == pytest.approx(1.2)


def test_spec_worked_example_marginal_and_retroactive():
    bands = [Band(to=1.0, rate=1.0), Band(rate=2.0)]
    assert rules.tiers(np.array(1.2), Tiers(mode="marginal", bands=bands)) == pytest.approx(1.4)
    assert rules.tiers(np.array(1.2), Tiers(mode="retroactive", bands=bands)) == pytest.approx(2.4)


@pytest.mark.parametrize("metric, marginal, retroactive", [
    (-0.5, 0.0, 0.0),    # nothing below zero
    (0.0, 0.0, 0.0),
    (0.4, 0.0, 0.0),     # first band pays 0
    (0.5, 0.0, 0.0),     # the edge belongs to the band it ends
    (0.8, 0.3, 0.8),     # 0.3 x 1.0 | 1.0 x 0.8
    (1.0, 0.5, 1.0),
    (1.1, 0.65, 1.65),   # 0.5 + 0.1 x 1.5 | 1.5 x 1.1
    (1.25, 0.875, 1.875),
    (2.0, 2.375, 4.0),   # 0.875 + 0.75 x 2.0 | 2.0 x 2.0
])
def test_current_plan_bands(metric, marginal, retroactive):
    bands = [Band(to=0.5, rate=0.0), Band(to=1.0, rate=1.0), Band(to=1.25, rate=1.5), Band(rate=2.0)]
    assert rules.banded(np.array(metric), bands, "marginal") == pytest.approx(marginal)
    assert rules.banded(np.array(metric), bands, "retroactive") == pytest.approx(retroactive)


def test_tiers_cap():
    rule = Tiers(mode="marginal", bands=[Band(to=1.0, rate=1.0), Band(rate=3.0)], cap=2.0)
    # 1.0 + 3 x 0.5 = 2.5 -> capped at 2.0
    assert rules.tiers(np.array([0.5, 1.5]), rule).tolist() == [0.5, 2.0]


def test_commission_in_money_and_relative_to_quota():
    money = Commission(mode="marginal", bands=[Band(to=100_000, rate=0.05), Band(rate=0.08)])
    # 100,000 x 5% + 50,000 x 8% = 9,000
    assert rules.commission(np.array([150_000.0]), money).tolist() == [9000.0]
    retro = Commission(mode="retroactive", bands=[Band(to=100_000, rate=0.05), Band(rate=0.08)])
    assert rules.commission(np.array([100_000.0, 150_000.0]), retro).tolist() == [5000.0, 12000.0]
    relative = Commission(bands=[Band(to=1.0, rate=0.05), Band(rate=0.08)], relative_to="quota", cap=10_000)
    # quota 80,000: edge at 80,000 -> 4,000 + 70,000 x 8% = 9,600; on 250,000: 4,000 + 13,600 -> capped
    got = rules.commission(np.array([150_000.0, 250_000.0]), relative, quota=np.array([80_000.0, 80_000.0]))
    assert got.tolist() == pytest.approx([9600.0, 10000.0])


def test_commission_cap_scales_with_the_periods_of_a_year_to_date_window():
    rule = Commission(bands=[Band(rate=0.1)], cap=1000)
    got = rules.commission(np.array([5000.0, 15000.0, 50000.0]), rule, periods=np.array([1, 2, 3]))
    assert got.tolist() == [500.0, 1500.0, 3000.0]


def test_spiff_pays_per_unit_up_to_its_cap():
    rule = Spiff(metric="new_logos", amount=1500, cap=6000)
    assert rules.spiff(np.array([0.0, 1.0, 3.0, 5.0]), rule).tolist() == [0.0, 1500.0, 4500.0, 6000.0]


def test_gate_opens_at_its_minimum():
    rule = Gate(metric="attainment", min=0.8, cap_when_closed=0)
    assert rules.gate_open(np.array([0.7999, 0.8, 0.8000000001, 1.2]), rule).tolist() == [False, True, True, True]


def test_multiplier_defaults_below_to_the_first_y_and_holds_beyond():
    rule = Multiplier(metric="strategic_mix", points=[(0.1, 0.8), (0.3, 1.0), (0.5, 1.2)]).as_curve()
    got = rules.curve(np.array([0.0, 0.1, 0.2, 0.4, 0.9]), rule)
    assert got.tolist() == pytest.approx([0.8, 0.8, 0.9, 1.1, 1.2])


def test_true_up_hold_and_claw_back():
    earned = np.array([[30_000.0, 20_000.0, 45_000.0, 40_000.0]])
    # hold: paid-to-date 30,000 -> 30,000 -> 45,000 -> 45,000
    assert true_up(earned, "hold").tolist() == [[30_000.0, 0.0, 15_000.0, 0.0]]
    # claw back: earned-to-date differences
    assert true_up(earned, "claw_back").tolist() == [[30_000.0, -10_000.0, 25_000.0, -5_000.0]]


# ----------------------------------------------------------------------------- properties

xs_strategy = st.lists(st.floats(0, 3, allow_nan=False), min_size=1, max_size=6, unique=True).map(sorted)


@st.composite
def rising_curves(draw):
    xs = draw(xs_strategy)
    steps = draw(st.lists(st.floats(0, 2, allow_nan=False), min_size=len(xs), max_size=len(xs)))
    ys = np.cumsum(steps).tolist()
    below = draw(st.floats(-1, ys[0], allow_nan=False))
    cap = draw(st.none() | st.floats(0, 5, allow_nan=False))
    return Curve(points=list(zip(xs, ys)), below=below, beyond=draw(st.sampled_from(["extend", "hold"])), cap=cap)


@st.composite
def band_tables(draw):
    edges = draw(st.lists(st.floats(0.05, 3, allow_nan=False), min_size=0, max_size=4, unique=True).map(sorted))
    edges = [e for i, e in enumerate(edges) if i == 0 or e - edges[i - 1] > 1e-6]
    rates = draw(st.lists(st.floats(0, 3, allow_nan=False), min_size=len(edges) + 1, max_size=len(edges) + 1))
    return [Band(to=e, rate=r) for e, r in zip(edges, rates)] + [Band(rate=rates[-1])]


@settings(max_examples=200, deadline=None)
@given(rising_curves(), st.lists(st.floats(-1, 6, allow_nan=False), min_size=2, max_size=30))
def test_curve_is_monotone_when_its_points_rise(rule, metrics):
    values = np.sort(np.array(metrics))
    fractions = rules.curve(values, rule)
    assert np.all(np.diff(fractions) >= -1e-9)
    if rule.cap is not None:
        assert np.all(fractions <= rule.cap + 1e-12)


@settings(max_examples=200, deadline=None)
@given(band_tables(), st.floats(0, 5, allow_nan=False))
def test_marginal_tiers_are_continuous(bands, metric):
    step = 1e-6
    here, there = rules.banded(np.array([metric, metric + step]), bands, "marginal")
    assert abs(there - here) <= max(b.rate for b in bands) * step + 1e-9


@settings(max_examples=200, deadline=None)
@given(band_tables())
def test_retroactive_tiers_jump_exactly_at_band_edges(bands):
    for i, band in enumerate(bands[:-1]):
        edge = band.to
        at, after = rules.banded(np.array([edge, edge + 1e-6]), bands, "retroactive")
        assert at == pytest.approx(band.rate * edge)  # the edge is in the band it ends
        assert after == pytest.approx(bands[i + 1].rate * (edge + 1e-6))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=12))
def test_true_up_pays_earned_to_date_in_total(earned):
    earned = np.array(earned)
    clawed = true_up(earned, "claw_back")
    assert clawed.sum() == pytest.approx(earned[-1], abs=1e-6)
    held = true_up(earned, "hold")
    assert np.all(held >= 0)
    assert held.sum() == pytest.approx(max(0.0, earned.max()), abs=1e-6)
