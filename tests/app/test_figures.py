"""What the charts and formats are fed, with hand-computed values: pay curves drawn from the
engine's own curve and tier functions, cash timing by quarter, money as a finance reader reads it."""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim.api import pay_curve_points
from comp_sim.app.cost import timing_frame
from comp_sim.app.format import money
from comp_sim.plan.loader import load_plan

PLAN = """
plan: Curves
id: curves
start: 2027-01
roles: {AE: {target_incentive: 10000}}
components:
  - id: revenue
    weight: 0.5
    metric: attainment
    curve: {points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]], cap: 3.0}
  - id: logos
    weight: 0.5
    metric: attainment
    tiers: {mode: retroactive, bands: [{to: 1.0, rate: 1.0}, {rate: 1.5}]}
  - id: spiff
    spiff: {metric: new_logos, amount: 500}
"""


def fraction_at(points: pd.DataFrame, component: str, metric: float) -> float:
    row = points[(points["component"] == component) & (points["metric"].round(9) == round(metric, 9))]
    assert len(row) == 1, (component, metric)
    return float(row["fraction"].iloc[0])


def test_pay_curves_hold_the_plan_points_and_show_a_cliff_as_a_cliff():
    points = pay_curve_points(load_plan(PLAN))
    assert set(points["component"]) == {"revenue", "logos"}  # a SPIFF has no curve of a target
    assert fraction_at(points, "revenue", 0.5) == 0.25
    assert fraction_at(points, "revenue", 0.75) == pytest.approx(0.625)  # halfway from 0.25 to 1.0
    assert fraction_at(points, "revenue", 1.5) == 2.0
    assert fraction_at(points, "revenue", 0.5 - 1e-6) == 0.0  # below the first point: nothing
    # retroactive: just under quota 1.0 x 0.999999; at quota 1.0; just over it 1.5 x all of it
    assert fraction_at(points, "logos", 1.0 - 1e-6) == pytest.approx(0.999999)
    assert fraction_at(points, "logos", 1.0) == 1.0
    assert points[points["component"] == "logos"]["metric"].max() == pytest.approx(1.5)  # grid reaches 1.5
    assert fraction_at(points, "logos", 1.5) == pytest.approx(2.25)


def test_cash_by_quarter_adds_up_each_three_months_of_the_plan_year():
    months = [f"2027-{m:02d}" for m in range(1, 13)]
    paid = [0, 0, 300, 0, 0, 600, 10, 20, 30, 0, 0, 900]
    summaries = {"p": {"name": "Plan P", "by_month": dict(zip(months, paid))}}
    quarters = timing_frame(summaries, {"p": "Plan P"}, "Quarter")
    assert quarters["period"].tolist() == ["Q1", "Q2", "Q3", "Q4"]
    assert quarters["amount"].tolist() == [300, 600, 60, 900]
    by_month = timing_frame(summaries, {"p": "Plan P"}, "Month")
    assert by_month["period"].tolist() == months
    assert by_month["amount"].sum() == 1860


def test_money_is_whole_in_the_plan_currency_with_halves_away_from_zero():
    assert money(2_500.5, "USD") == "$2,501"
    assert money(-2_500.5, "USD") == "-$2,501"
    assert money(1_234_567.49, "EUR") == "€1,234,567"
    assert money(0.4, "GBP") == "£0"
    assert money(12_000, "SEK") == "12,000 SEK"
    assert money(None, "USD") == "n/a"
