"""Plan lint: each warning has a small plan that triggers it and one that does not, with the
figures worked out by hand in the test."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim import api
from comp_sim.api import simulate
from comp_sim.data.dataset import Dataset
from comp_sim.insight.lint import PlanWarning, render_warnings

TI = 10_000
BASE = {"plan": "Test", "id": "test", "start": "2027-01", "roles": {"AE": {"target_incentive": TI}}}
LINEAR_YEAR = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "year",
               "curve": {"points": [[0, 0], [1, 1]], "beyond": "hold"}}
NO_DISCOUNT_TERM = {"id": "discount", "multiplier": {"metric": "avg_discount", "points": [[0.1, 1.0], [0.3, 0.8]]},
                    "applies_to": ["revenue"]}


def plan(*components, **extra):
    return {**BASE, "components": list(components), **extra}


def lint(source, population=False):
    return api.lint(source, population=population)


def only(warnings, warning_id):
    found = [w for w in warnings if w.id == warning_id]
    assert len(found) == 1, [str(w) for w in warnings]
    return found[0]


def ids(warnings):
    return {w.id for w in warnings}


# --------------------------------------------------------------------------- bundled plans


def test_current_plan_is_flagged_for_cliffs_uncapped_exposure_and_discounting():
    assert {"retro-cliff", "uncapped", "discount-incentive", "period-edge"} <= ids(api.lint("plans/current-2026.yaml"))
    # the figures for the plan's largest role TI (the population's median would differ by data)
    warnings = lint("plans/current-2026.yaml")
    cliff = only(warnings, "retro-cliff")
    assert (cliff.source, cliff.line, cliff.column, cliff.path) == (
        "plans/current-2026.yaml", 32, 5, "components[0].tiers")
    assert str(cliff).startswith("plans/current-2026.yaml:32:5: warning[retro-cliff, high] components[0].tiers: ")
    # the director's TI 80,000, quarterly window TI 20,000. Retroactive bands 0/0.85/1.1/1.25 at 0.5/1.0/1.25:
    # crossing 0.5 pays 0.85 x 0.5 = 0.425 of window TI; 1.0: 1.1 - 0.85 = 0.25; 1.25: (1.25 - 1.1) x 1.25 = 0.1875
    assert [e["at"] for e in cliff.figures["edges"]] == [0.5, 1.0, 1.25]
    assert [e["pays"] for e in cliff.figures["edges"]] == pytest.approx([8_500, 5_000, 3_750], abs=0.01)
    uncapped = only(warnings, "uncapped")
    # at 2x attainment the top band pays 1.25 x 2 = 2.5 x TI 80,000; at 3x, 3.75 x 80,000
    assert (uncapped.figures["pay_at_2x"], uncapped.figures["pay_at_3x"]) == (200_000, 300_000)
    assert uncapped.severity == "high"


def test_balanced_plan_gets_much_less():
    current = api.lint("plans/current-2026.yaml")
    balanced = api.lint("plans/balanced-2027.yaml")
    assert not {"uncapped", "period-edge"} & ids(balanced)
    assert sum(w.severity == "high" for w in balanced) == 0
    assert sum(w.severity == "high" for w in current) >= 4


# --------------------------------------------------------------------------- cliffs


def test_retroactive_tiers_cliff_at_quota_for_ti_10000():
    tiers = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "year",
             "tiers": {"mode": "retroactive", "bands": [{"to": 1.0, "rate": 1.0}, {"rate": 2.0}]}}
    warning = only(lint(plan(tiers, cap={"multiple_of_ti": 3})), "retro-cliff")
    # at 1.0: 1.0 x 1.0 = 1.0; one more dollar: 2.0 x 1.0 = 2.0 -> 1.0 x TI 10,000 = 10,000
    assert warning.figures["edges"][0]["pays"] == pytest.approx(10_000, abs=0.01)
    assert warning.severity == "high"
    quarterly = {**tiers, "measure": "quarter"}
    warning = only(lint(plan(quarterly, cap={"multiple_of_ti": 3})), "retro-cliff")
    assert warning.figures["edges"][0]["pays"] == pytest.approx(2_500, abs=0.01)  # window TI 2,500
    marginal = {**tiers, "tiers": {"mode": "marginal", "bands": tiers["tiers"]["bands"]}}
    assert "retro-cliff" not in ids(lint(plan(marginal, cap={"multiple_of_ti": 3})))


def test_retroactive_commission_cliff_in_money():
    commission = {"id": "commission", "measure": "year",
                  "commission": {"mode": "retroactive", "bands": [{"to": 100_000, "rate": 0.05}, {"rate": 0.08}]}}
    warning = only(lint(plan(LINEAR_YEAR, commission, cap={"multiple_of_ti": 3})), "retro-cliff")
    # 100,000 x 0.05 = 5,000; 100,001 x 0.08 = 8,000.08 -> one more dollar pays 3,000.08
    assert warning.figures["edges"] == [{"at": 100_000, "pays": pytest.approx(3_000.08)}]
    assert warning.path == "components[1].commission"


def test_curve_step_cliff():
    step = {**LINEAR_YEAR, "curve": {"points": [[0, 0], [1, 0.5], [1, 1.0], [2, 2.0]], "beyond": "hold"}}
    warning = only(lint(plan(step)), "step-cliff")
    # the step at 1.0 jumps from 0.5 to 1.0 of TI 10,000 = 5,000 (plus 1e-8 of the 1.0 slope)
    assert warning.figures["edges"][0]["at"] == 1.0
    assert warning.figures["edges"][0]["pays"] == pytest.approx(5_000, abs=0.01)
    smooth = {**LINEAR_YEAR, "curve": {"points": [[0, 0], [1, 1.0], [2, 2.0]], "beyond": "hold"}}
    assert "step-cliff" not in ids(lint(plan(smooth)))


@settings(max_examples=40, deadline=None)
@given(edge=st.floats(0.3, 2.0).map(lambda x: round(x, 3)), low=st.floats(0.0, 2.0), rise=st.floats(0.05, 2.0),
       weight=st.sampled_from([0.5, 1.0]))
def test_retroactive_cliff_is_the_rate_difference_times_the_edge(edge, low, rise, weight):
    tiers = {"id": "revenue", "weight": weight, "metric": "attainment", "measure": "year",
             "tiers": {"mode": "retroactive", "bands": [{"to": edge, "rate": low}, {"rate": low + rise}]}}
    components = [tiers] if weight == 1.0 else [tiers, {**LINEAR_YEAR, "id": "other", "weight": 0.5}]
    warning = only(lint(plan(*components)), "retro-cliff")
    expected = rise * edge * weight * TI
    assert warning.figures["edges"][0]["pays"] == pytest.approx(expected, rel=1e-6, abs=1e-3)


# --------------------------------------------------------------------------- uncapped


def test_uncapped_extending_curve_pays_at_2x_and_3x():
    curve = {**LINEAR_YEAR, "curve": {"points": [[0, 0], [1, 1], [1.5, 2]], "beyond": "extend"}}
    warning = only(lint(plan(curve)), "uncapped")
    # slope 2 after 1.5: f(2) = 2 + 2 x 0.5 = 3 -> 30,000; f(3) = 2 + 2 x 1.5 = 5 -> 50,000
    assert (warning.figures["pay_at_2x"], warning.figures["pay_at_3x"]) == (30_000, 50_000)
    assert warning.severity == "high" and warning.path == "components[0].curve.beyond"
    assert "uncapped" not in ids(lint(plan(curve, cap={"multiple_of_ti": 3.0})))
    capped_curve = {**curve, "curve": {**curve["curve"], "cap": 3.0}}
    assert "uncapped" not in ids(lint(plan(capped_curve)))
    held = {**curve, "curve": {**curve["curve"], "beyond": "hold"}}
    assert "uncapped" not in ids(lint(plan(held)))


def test_uncapped_commission_needs_the_population_quota():
    commission = {"id": "commission", "measure": "quarter",
                  "commission": {"relative_to": "quota", "bands": [{"to": 1.0, "rate": 0.05}, {"rate": 0.10}]}}
    p = plan(LINEAR_YEAR, commission, modifiers=[NO_DISCOUNT_TERM])
    warning = only(lint(p, simulate([p], population_data())), "uncapped")
    # quarterly quota 25,000; at 2x: 0.05 x 25,000 + 0.10 x 25,000 = 3,750 a quarter, 15,000 a year;
    # at 3x: 1,250 + 0.10 x 50,000 = 6,250 a quarter, 25,000 a year
    assert (warning.figures["pay_at_2x"], warning.figures["pay_at_3x"]) == pytest.approx((15_000, 25_000))
    assert warning.path == "components[1].commission.bands[1]"
    # without a population there is no quota to put money on: the warning stands without figures
    assert "pay_at_2x" not in only(lint(p), "uncapped").figures
    capped = {**commission, "commission": {**commission["commission"], "cap": 5_000}}
    assert "uncapped" not in ids(lint(plan(LINEAR_YEAR, capped)))


# --------------------------------------------------------------------------- weights


def test_more_than_four_weighted_components_dilute():
    parts = [{**LINEAR_YEAR, "id": f"c{i}", "weight": 0.2} for i in range(5)]
    warning = only(lint(plan(*parts)), "diluted-weights")
    assert warning.path == "components" and warning.figures["components"] == 5
    four = [{**LINEAR_YEAR, "id": f"c{i}", "weight": 0.25} for i in range(4)]
    assert "diluted-weights" not in ids(lint(plan(*four)))


def test_component_under_ten_percent_is_diluted():
    small = {**LINEAR_YEAR, "id": "mbo", "weight": 0.05}
    warning = only(lint(plan({**LINEAR_YEAR, "weight": 0.95}, small)), "diluted-weights")
    assert warning.path == "components[1].weight"
    assert warning.figures["pay_at_target"] == pytest.approx(500)  # 0.05 x 10,000
    even = {**LINEAR_YEAR, "id": "mbo", "weight": 0.1}
    assert "diluted-weights" not in ids(lint(plan({**LINEAR_YEAR, "weight": 0.9}, even)))


# --------------------------------------------------------------------------- population reach


def population_data():
    """Ten reps with annual quota 100,000 and attainment 0.6, 0.7, ..., 1.5."""
    reps = pd.DataFrame({"rep_id": [f"R{i}" for i in range(10)], "role": "AE"})
    deals = pd.DataFrame({"deal_id": [f"D{i}" for i in range(10)], "rep_id": reps["rep_id"],
                          "close_date": "2027-06-15", "amount": [60_000 + 10_000 * i for i in range(10)]})
    quotas = pd.DataFrame({"rep_id": reps["rep_id"], "period": "2027", "metric": "bookings", "target": 100_000.0})
    return Dataset.from_frames(reps, deals=deals, quotas=quotas)


def test_threshold_and_excellence_reach_in_the_population():
    misset = plan({**LINEAR_YEAR, "curve": {"points": [[0.5, 0.25], [1.0, 1.0], [1.55, 2.0]], "beyond": "hold"}},
                  modifiers=[NO_DISCOUNT_TERM])
    run = simulate([misset], population_data())
    warnings = lint(misset, population=run)
    threshold, excellence = only(warnings, "threshold-reach"), only(warnings, "excellence-reach")
    # every rep (10 of 10) is at or above 0.5; none reaches 1.55
    assert threshold.figures["share_reaching"] == 1.0 and threshold.path == "components[0].curve.points[0]"
    assert threshold.severity == "low"  # a threshold everyone passes only costs money
    assert excellence.figures["share_reaching"] == 0.0 and excellence.figures["reps"] == 10
    assert excellence.severity == "medium"
    well_set = plan({**LINEAR_YEAR, "curve": {"points": [[0.65, 0.25], [1.0, 1.0], [1.35, 2.0]], "beyond": "hold"}},
                    modifiers=[NO_DISCOUNT_TERM])
    # 0.65: 9 of 10 reach it (90%, not more); 1.35: 1.4 and 1.5 reach it (20%)
    assert not {"threshold-reach", "excellence-reach"} & ids(lint(well_set, simulate([well_set], population_data())))


def test_tier_threshold_is_reached_only_above_its_edge():
    tiers = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "year",
             "tiers": {"mode": "marginal", "bands": [{"to": 1.4, "rate": 0.0}, {"rate": 1.0}]}}
    p = plan(tiers, modifiers=[NO_DISCOUNT_TERM], cap={"multiple_of_ti": 2})
    warnings = lint(p, simulate([p], population_data()))
    # pays only above 1.4: only the rep at 1.5 (10%, not fewer) -> not flagged as threshold;
    # the top band starts above 1.4 too, so excellence is not flagged either
    assert "threshold-reach" not in ids(warnings)
    higher = {**tiers, "tiers": {"mode": "marginal", "bands": [{"to": 1.5, "rate": 0.0}, {"rate": 1.0}]}}
    p = plan(higher, modifiers=[NO_DISCOUNT_TERM], cap={"multiple_of_ti": 2})
    warning = only(lint(p, simulate([p], population_data())), "threshold-reach")
    assert warning.figures["share_reaching"] == 0.0  # 1.5 is not above 1.5
    assert warning.severity == "high"  # nobody is paid on it


def test_without_a_population_lint_runs_the_plan_over_the_bundled_sample(monkeypatch):
    monkeypatch.setattr(api, "load_data", lambda source=None, mapping=None: population_data())
    misset = plan({**LINEAR_YEAR, "curve": {"points": [[0.5, 0.25], [1.0, 1.0], [1.55, 2.0]], "beyond": "hold"}},
                  modifiers=[NO_DISCOUNT_TERM])
    warnings = api.lint(misset)
    assert only(warnings, "excellence-reach").figures["reps"] == 10
    assert "population-skipped" not in ids(warnings)
    # a plan the sample cannot run (no new-logo targets to divide by) is linted without it
    logos = {"id": "logos", "weight": 1.0, "metric": "logo_attainment", "measure": "year",
             "curve": {"points": [[0, 0], [1, 1]], "beyond": "hold"}}
    broken = plan(logos, metrics={"logo_attainment": {"ratio": ["new_logos", "target.new_logos"]}})
    monkeypatch.setattr(api, "load_data", lambda source=None, mapping=None: Dataset.from_frames(
        population_data().reps, deals=population_data().deals.assign(new_logo=True),
        quotas=population_data().quotas))
    note = only(api.lint(broken), "population-skipped")
    assert "cannot run on the bundled sample" in note.message


def test_population_checks_skipped_with_a_note_when_no_rep_is_covered():
    nobody = {**plan(LINEAR_YEAR), "roles": {"Nobody": {"target_incentive": TI}}}
    note = only(api.lint(nobody), "population-skipped")
    assert note.severity == "low" and note.path == "roles"
    run = simulate([nobody], population_data())
    note = only(lint(nobody, population=run), "population-skipped")
    assert "covers no rep" in note.message


# --------------------------------------------------------------------------- discounting


def test_paying_on_bookings_without_a_discount_term_invites_discounting():
    warning = only(lint(plan(LINEAR_YEAR)), "discount-incentive")
    # linear curve at weight 1: quota pays 10,000, 10% off everything pays 9,000: the rep bears 1,000
    assert warning.figures["rep_cost"] == pytest.approx(1_000)
    assert warning.severity == "high" and warning.path == "components[0].metric"
    run = simulate([plan(LINEAR_YEAR)], population_data())
    # with the population the company's side is 10% of the median quota 100,000
    assert only(lint(plan(LINEAR_YEAR), run), "discount-incentive").figures["company_cost"] == pytest.approx(10_000)
    assert "discount-incentive" not in ids(lint(plan(LINEAR_YEAR, modifiers=[NO_DISCOUNT_TERM])))
    mbo_only = {**LINEAR_YEAR, "metric": "mbo"}
    assert "discount-incentive" not in ids(lint(plan(mbo_only)))


# --------------------------------------------------------------------------- sandbagging


def forecast_plan(revenue_weight, forecast_weight):
    revenue = {**LINEAR_YEAR, "weight": revenue_weight, "curve": {"points": [[0, 0], [1, 1]], "beyond": "extend"}}
    forecast = {"id": "forecast", "weight": forecast_weight, "metric": "forecast_accuracy", "measure": "quarter",
                "curve": {"points": [[0.7, 0.0], [1.0, 1.0]], "beyond": "hold"}}
    return plan(revenue, forecast, modifiers=[NO_DISCOUNT_TERM], cap={"multiple_of_ti": 3})


def test_forecast_accuracy_that_rivals_bookings_is_gameable_by_sandbagging():
    warning = only(lint(forecast_plan(0.5, 0.5)), "forecast-sandbagging")
    # honest: 130% of forecast -> revenue 1.3 x 0.5 x 10,000 = 6,500, accuracy 0.7 pays 0
    # sandbagger: 100% -> revenue 5,000, accuracy 1.0 pays 1.0 x 0.5 x 10,000 = 5,000 -> 10,000
    assert warning.figures["honest_pay"] == pytest.approx(6_500)
    assert warning.figures["sandbagger_pay"] == pytest.approx(10_000)
    assert warning.figures["net_gain"] == pytest.approx(3_500)
    assert warning.severity == "high"
    # weight 0.1: accuracy gain 1,000 against 0.3 x 0.9 x 10,000 = 2,700 given up (37% < 50%)
    assert "forecast-sandbagging" not in ids(lint(forecast_plan(0.9, 0.1)))


# --------------------------------------------------------------------------- new logos


def test_light_new_logo_goals_without_gate_or_multiplier():
    logos = {"id": "logos", "weight": 0.1, "metric": "new_logos", "measure": "year",
             "curve": {"points": [[0, 0], [4, 1]], "beyond": "hold"}}
    revenue = {**LINEAR_YEAR, "weight": 0.9}
    warning = only(lint(plan(revenue, logos)), "weak-new-logos")
    assert warning.figures["pay_at_target"] == pytest.approx(1_000)  # 0.1 x 10,000
    gate = {"id": "gate", "gate": {"metric": "new_logos", "min": 1, "cap_when_closed": 1.0}, "applies_to": ["revenue"]}
    assert "weak-new-logos" not in ids(lint(plan(revenue, logos, modifiers=[gate])))
    heavier = plan({**LINEAR_YEAR, "weight": 0.8}, {**logos, "weight": 0.2})
    assert "weak-new-logos" not in ids(lint(heavier))
    assert "weak-new-logos" not in ids(lint(plan(LINEAR_YEAR)))  # no new-logo goal at all


# --------------------------------------------------------------------------- period edges


def test_quarterly_non_cumulative_convex_curve_rewards_moving_deals():
    convex = {**LINEAR_YEAR, "measure": "quarter", "curve": {"points": [[0, 0], [1, 1], [2, 3]], "beyond": "hold"}}
    warning = only(lint(plan(convex, cap={"multiple_of_ti": 3})), "period-edge")
    # two quarters at 1.0 pay 2 x 2,500; moving 50% of a quota: f(1.5) + f(0.5) = 2.0 + 0.5 = 2.5
    # -> 0.5 x window TI 2,500 = 1,250 more
    assert warning.figures["shift"] == 0.5
    assert warning.figures["gain"] == pytest.approx(1_250)
    assert warning.path == "components[0].measure"
    linear = {**convex, "curve": {"points": [[0, 0], [2, 2]], "beyond": "hold"}}
    assert "period-edge" not in ids(lint(plan(linear)))
    assert "period-edge" not in ids(lint(plan({**convex, "cumulative": True}, cap={"multiple_of_ti": 3})))


# --------------------------------------------------------------------------- rendering


def test_warning_text_and_rendering():
    warning = PlanWarning("retro-cliff", "high", "components[0].tiers", 21, 5, "plans/x.yaml",
                          "crossing 1.0 pays 7,500.", "make the tiers marginal.", {})
    assert str(warning) == ("plans/x.yaml:21:5: warning[retro-cliff, high] components[0].tiers: "
                            "crossing 1.0 pays 7,500. Fix: make the tiers marginal.")
    note = PlanWarning("population-skipped", "low", "roles", None, None, "<plan>", "skipped.", "give data.", {})
    assert render_warnings([warning, note]).splitlines() == [
        str(warning), str(note),
        "plans/x.yaml: 1 warning (1 high)", "<plan>: 1 warning (1 low)"]
    assert str(note).startswith("<plan>: warning[population-skipped, low] roles: ")
    assert render_warnings([]) == "no warnings\n"


def test_yaml_text_gets_lines():
    text = """plan: Test
id: test
start: 2027-01
roles: {AE: {target_incentive: 10000}}
components:
  - id: revenue
    weight: 1.0
    metric: attainment
    measure: quarter
    curve: {points: [[0, 0], [1, 1], [2, 3]], beyond: hold}
"""
    warning = only(lint(text), "period-edge")
    assert (warning.source, warning.line, warning.column) == ("<plan>", 9, 5)
