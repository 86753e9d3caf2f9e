"""The bundled comparison tells a true story on the bundled sample, and these figures hold it:
today's one plan for everyone pays what sales-comp practice expects, the proposed plan per role
costs the same within 2%, has real winners and losers, and its winners are the reps who do what
it rewards. A change to the sample, the synthetic model or a bundled plan that breaks the story
fails here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from comp_sim import api
from comp_sim.insight.behaviours import BEHAVIOURS
from comp_sim.insight.calibrate import pay_at_quota

CURRENT, PROPOSED = "programs/current-2026.yaml", "programs/proposed-2027.yaml"


@pytest.fixture(scope="module")
def story():
    sim = api.simulate([CURRENT, PROPOSED], api.load_data())
    return sim, api.compare(sim, "current")


def test_the_current_plan_pays_a_median_rep_90_to_115_percent_and_about_100_percent_at_quota(story):
    sim, _ = story
    current = sim.unit("current")
    assert 0.90 <= float(np.nanmedian(current.payout_pct_ti[0])) <= 1.15
    assert 0.95 <= pay_at_quota(current) <= 1.05


@pytest.mark.parametrize("unit", ["current", "proposed-2027"])
def test_both_programs_put_half_to_seven_tenths_of_reps_at_quota(story, unit):
    attainment = story[0].unit(unit).attainment[0]
    sellers = attainment[np.isfinite(attainment)]
    assert len(sellers) >= 60
    assert 0.50 <= float(np.mean(sellers >= 1.0)) <= 0.70


def test_the_proposal_covers_the_whole_team_at_the_same_cost_within_2_percent(story):
    _, comparison = story
    rows = comparison.plans.set_index("plan")
    assert rows.loc["current", "reps"] == rows.loc["proposed-2027", "reps"] == 80
    assert rows.loc["proposed-2027", "common_reps"] == 80 and comparison.coverage.empty
    change = rows.loc["proposed-2027", "delta_vs_baseline"] / rows.loc["current", "total_payout"]
    assert abs(change) <= 0.02


def test_the_proposal_has_real_winners_and_losers(story):
    _, comparison = story
    outcome = comparison.reps["outcome"].value_counts()
    assert outcome["winner"] >= 0.15 * 80 and outcome["loser"] >= 0.15 * 80


def test_the_winners_are_the_reps_who_do_what_the_proposal_rewards(story):
    sim, comparison = story
    table = api.who_wins(sim, baseline="current", proposal="proposed-2027")
    assert list(table["behaviour"]) == list(BEHAVIOURS)
    assert table["rewarded"].all(), table.to_string()
    assert (table["winners_reps"] >= 12).all() and (table["losers_reps"] >= 12).all()


def test_the_current_plan_keeps_the_flaws_lint_finds():
    codes = {(w.id, w.severity) for w in api.lint("plans/current-2026.yaml")}
    assert {("retro-cliff", "high"), ("period-edge", "high"), ("discount-incentive", "high"),
            ("uncapped", "high")} <= codes
    for plan in api.load_program(PROPOSED).plans:
        assert not [w for w in api.lint(plan) if w.severity == "high"], plan.id


def test_the_readme_tells_the_story_with_these_figures(story):
    sim, comparison = story
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    rows = comparison.plans.set_index("plan")
    outcome = comparison.reps["outcome"].value_counts()
    for unit in ("current", "proposed-2027"):
        assert f"{rows.loc[unit, 'total_payout']:,.0f} USD" in readme
    assert f"{outcome['winner']} people earn more, {outcome['loser']} less" in readme
    table = api.who_wins(sim, baseline="current", proposal="proposed-2027")
    for row in table.itertuples():
        assert f"| {row.label[0].lower() + row.label[1:]} | {row.winners:.1%} | {row.losers:.1%} |" in readme
