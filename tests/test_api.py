"""The public API names SPEC lists, each reachable from ``comp_sim.api``."""

from __future__ import annotations

import pandas as pd

from comp_sim import api
from comp_sim.insight.gaming import gaming_report
from comp_sim.insight.sensitivity import sensitivity
from comp_sim.plan.loader import load_plan


def test_spec_api_names_are_exported():
    for name in ("load_plan", "load_data", "synthesize", "simulate", "compare", "explain",
                 "lint", "gaming", "sensitivity"):
        assert name in api.__all__ and callable(getattr(api, name))


def test_lint_flags_todays_plan_for_its_cliffs_and_uncapped_exposure():
    ids = {w.id for w in api.lint("plans/current-2026.yaml")}
    assert {"retro-cliff", "uncapped", "discount-incentive"} <= ids


def test_insight_through_the_api_gives_the_insight_modules_figures():
    pd.testing.assert_frame_equal(api.gaming("plans/balanced-2027.yaml"),
                                  gaming_report(load_plan("plans/balanced-2027.yaml"), api.load_data()))
    shifts = (0.0, 0.1)
    pd.testing.assert_frame_equal(api.sensitivity(["plans/balanced-2027.yaml"], shifts=shifts),
                                  sensitivity([api.Program.of_plan(load_plan("plans/balanced-2027.yaml"))],
                                              api.load_data(), shifts))


def test_synthesize_through_the_api_repeats_with_its_seed():
    first, again = api.synthesize(reps=6, seed=3), api.synthesize(reps=6, seed=3)
    pd.testing.assert_frame_equal(first.deals, again.deals)
    assert len(first.reps) == 6


def test_deals_outside_the_plan_year_are_counted_in_the_notes_not_paid():
    from comp_sim.data.dataset import Dataset

    data = Dataset.from_frames(
        pd.DataFrame([{"rep_id": "R1", "role": "AE"}, {"rep_id": "R2", "role": "AM"}]),
        deals=pd.DataFrame([
            {"deal_id": "D1", "rep_id": "R1", "close_date": "2027-03-31", "amount": 1000},
            {"deal_id": "D2", "rep_id": "R1", "close_date": "2026-12-31", "amount": 5000},
            {"deal_id": "D3", "rep_id": "R1", "close_date": "2028-01-01", "amount": 7000},
            {"deal_id": "D4", "rep_id": "R2", "close_date": "2028-01-01", "amount": 9000},
        ]),
        quotas=pd.DataFrame([{"rep_id": "R1", "period": "2027", "target": 10000}]),
    )
    plan = {"plan": "T", "id": "t", "start": "2027-01", "roles": {"AE": {"target_incentive": 1000}},
            "components": [{"id": "c", "weight": 1.0, "metric": "attainment", "measure": "year",
                            "curve": {"points": [[0, 0], [1, 1]]}}]}
    sim = api.simulate([plan], data)
    assert "t: 2 deal row(s) of its reps close outside its plan year 2027-01..2027-12 and are not counted" in sim.notes
    assert float(sim.statements["bookings"].iloc[0]) == 1000.0  # only D1
    assert float(sim.statements["payout"].iloc[0]) == 100.0  # 1,000 / 10,000 x 1,000


def _logo_plan(plan_id: str, metric: str) -> dict:
    return {"plan": "T", "id": plan_id, "start": "2027-01", "roles": {"AE": {"target_incentive": 1000}},
            "components": [{"id": "c", "spiff": {"metric": metric, "amount": 10}, "measure": "year"}]}


def test_a_run_says_how_many_months_of_history_derived_new_logos_rest_on():
    from comp_sim.data.dataset import Dataset

    reps = pd.DataFrame([{"rep_id": "R1", "role": "AE"}])
    deals = pd.DataFrame([
        {"deal_id": "D1", "rep_id": "R1", "close_date": "2026-10-05", "amount": 10, "account_id": "A1"},
        {"deal_id": "D2", "rep_id": "R1", "close_date": "2027-02-01", "amount": 20, "account_id": "A1"},
    ])
    short = api.simulate([_logo_plan("logos", "new_logos"), _logo_plan("deals", "deals")],
                         Dataset.from_frames(reps, deals=deals))
    # October to December 2026: 3 months before the plan year; the plan paying on deals reads no new logos
    history = [note for note in short.notes if "account history" in note]
    assert history == [
        "logos: new logos are derived from account history (a deal without a new_logo flag is new-logo when it is "
        "its account's first in the data): 3 month(s) of deals precede its plan year 2027-01; with fewer than 12, "
        "an account that bought before the data begins counts as a new logo: export more history "
        "(deals.history_before in the mapping, or --history-before, keeps it out of the run) or map a new_logo column"]
    longer = pd.concat([deals, pd.DataFrame([{"deal_id": "D0", "rep_id": "R1", "close_date": "2025-12-20",
                                              "amount": 5, "account_id": "A0"}])])
    enough = api.simulate([_logo_plan("logos", "new_logos")], Dataset.from_frames(reps, deals=longer))
    assert [note for note in enough.notes if "account history" in note] == [
        "logos: new logos are derived from account history (a deal without a new_logo flag is new-logo when it is "
        "its account's first in the data): 13 month(s) of deals precede its plan year 2027-01"]
