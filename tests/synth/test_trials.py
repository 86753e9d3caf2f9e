"""Monte-Carlo trials: moments against the deal generator, chunk independence, errors, the API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comp_sim import api
from comp_sim.data.dataset import Dataset
from comp_sim.measures import BOOKINGS, FORECAST, MBO_COUNT, MBO_SUM, NEW_LOGOS, QUOTA, DealMeasure, Needs
from comp_sim.engine.simulate import run_plans
from comp_sim.errors import UsageError
from comp_sim.periods import Month
from comp_sim.plan.loader import load_plan
from comp_sim.synth import MonteCarloSource, synthesize_trials
from comp_sim.synth.deals import draw_deals
from comp_sim.synth.model import build_team
from comp_sim.synth.trials import Rates, outcome_table, rates_of_team

START = Month.parse("2026-01")
STRATEGIC = DealMeasure.of("sum", "amount", {"product": ["Platform", "Analytics"]})
NEEDS = Needs((BOOKINGS, NEW_LOGOS, STRATEGIC), ("bookings",))


def annual(source: MonteCarloSource, needs: Needs = NEEDS) -> dict[str, np.ndarray]:
    """Each measure summed over the year, (trials, reps), across every chunk."""
    cubes = [source.chunk(i, needs, START, 12) for i in range(len(source.chunk_sizes()))]
    return {k: np.concatenate([c.measures[k].sum(axis=2) for c in cubes]) for k in cubes[0].measures}


def test_per_rep_means_and_variances_match_the_deal_generator():
    team = build_team(24, 12, np.random.default_rng(4), START)
    rng = np.random.default_rng(5)
    rep_index = pd.Index(team.reps["rep_id"])
    draws = {"bookings": [], "logos": [], "strategic": []}
    for _ in range(400):
        deals = draw_deals(team, rng)
        rep = rep_index.get_indexer(deals["rep_id"])
        credited = deals["amount"].to_numpy() * deals["split"].to_numpy()
        strategic = deals["product"].isin(["Platform", "Analytics"]).to_numpy()
        draws["bookings"].append(np.bincount(rep, credited, minlength=24))
        draws["strategic"].append(np.bincount(rep, credited * strategic, minlength=24))
        draws["logos"].append(np.bincount(rep, deals["new_logo"].to_numpy(dtype=float), minlength=24))
    deal_level = {k: np.array(v) for k, v in draws.items()}
    trials = annual(MonteCarloSource(rates_of_team(team), 4000, seed=1))
    mc = {"bookings": trials[BOOKINGS.key], "logos": trials[NEW_LOGOS.key], "strategic": trials[STRATEGIC.key]}
    for name in deal_level:
        d, m = deal_level[name], mc[name]
        se = np.sqrt(d.var(axis=0) / 400 + m.var(axis=0) / 4000)
        assert (np.abs(d.mean(axis=0) - m.mean(axis=0)) <= 4 * se + 1e-9).all(), name
        ratio = m.var(axis=0).sum() / d.var(axis=0).sum()
        assert 0.85 <= ratio <= 1.15, (name, ratio)


def test_cube_is_period_major_float64_and_targets_are_the_quotas():
    source = synthesize_trials(10, 12, 5, seed=2, start="2026-01")
    cube = source.chunk(0, NEEDS, START, 12)
    bookings = cube.measures[BOOKINGS.key]
    assert bookings.shape == (5, 10, 12) and bookings.dtype == np.float64
    assert bookings.transpose(2, 0, 1).flags["C_CONTIGUOUS"]  # stored (months, trials, reps)
    quotas = source.rates.targets.quotas
    first_rep = quotas[(quotas["rep_id"] == "R001") & (quotas["metric"] == "bookings")]
    q1 = float(first_rep.loc[first_rep["period"] == "2026-Q1", "target"].iloc[0])
    assert cube.measures[QUOTA][3, 0, :3].tolist() == pytest.approx([q1 / 3] * 3)
    assert set(cube.measures) >= {FORECAST, MBO_SUM, MBO_COUNT}
    assert (cube.measures[NEW_LOGOS.key] == np.round(cube.measures[NEW_LOGOS.key])).all()


def test_forecasts_and_mbo_follow_the_deal_data_model():
    source = synthesize_trials(10, 12, 40, seed=2, start="2026-01")
    rates = source.rates
    cube = source.chunk(0, NEEDS, START, 12)
    bookings = cube.measures[BOOKINGS.key]
    # forecast = bias x (0.8 x bookings + 0.2 x expected), the default forecast_weight
    assert rates.forecast_weight == 0.8
    np.testing.assert_allclose(cube.measures[FORECAST],
                               rates.forecast_bias[None, :, None] * (0.8 * bookings + 0.2 * rates.expected[None]))
    mean_score = cube.measures[MBO_SUM].sum(axis=2) / cube.measures[MBO_COUNT].sum(axis=2)
    assert np.abs(mean_score.mean(axis=0) - rates.mbo_mean).max() < 0.05
    assert ((cube.measures[MBO_SUM] >= 0) & (cube.measures[MBO_SUM] <= 1)).all()


def test_any_chunk_size_and_thread_count_give_the_same_trials():
    small = annual(synthesize_trials(15, 12, 30, seed=8, chunk_trials=7))
    whole = annual(synthesize_trials(15, 12, 30, seed=8, chunk_trials=1000))
    for key in whole:
        np.testing.assert_array_equal(small[key], whole[key])
    other_seed = annual(synthesize_trials(15, 12, 30, seed=9))
    assert not np.array_equal(other_seed[BOOKINGS.key], whole[BOOKINGS.key])

    plan = load_plan("plans/balanced-2027.yaml")
    one = run_plans([plan], MonteCarloSource.synthetic(20, 25, 3, "2027-01", chunk_trials=4), workers=1)[0]
    two = run_plans([plan], MonteCarloSource.synthetic(20, 25, 3, "2027-01", chunk_trials=9), workers=2)[0]
    np.testing.assert_array_equal(one.paid, two.paid)
    assert one.paid.shape == (25, 9)  # 20 reps: 2 managers, a director and 17 others, of which 9 AEs


@pytest.mark.parametrize("metric, rule", [
    ({"sum": "amount", "where": {"region": "EMEA"}}, "filters on deals column 'region'"),
    ({"sum": "discount"}, "adds up deals column 'discount'"),
])
def test_a_metric_the_trials_do_not_model_is_a_usage_error_naming_it(metric, rule):
    plan = load_plan({"plan": "X", "id": "x", "start": "2027-01", "roles": {"AE": {"target_incentive": 1000}},
                      "metrics": {"emea_bookings": metric},
                      "components": [{"id": "c", "weight": 1.0, "metric": "emea_bookings", "measure": "year",
                                      "curve": {"points": [[0, 0], [1_000_000, 1]]}}]})
    with pytest.raises(UsageError, match=rf"metrics\.emea_bookings: plan metric 'emea_bookings' {rule}; "
                                         r"Monte-Carlo trials model deals by product and new_logo only"):
        run_plans([plan], MonteCarloSource.synthetic(5, 3, 0, "2027-01"))


def test_from_dataset_centres_each_rep_on_its_shrunk_attainment_times_quota():
    # A booked 120k on a 100k quota in 12 deals, B 80k in 8; team attainment 200k / 200k = 1.0.
    # Shrunk by 10 deals: A (12 x 1.2 + 10 x 1.0) / 22 = 1.1091, B (8 x 0.8 + 10) / 18 = 0.9111.
    reps = pd.DataFrame({"rep_id": ["A", "B"], "role": "AE", "team": "T"})
    deals = pd.DataFrame({
        "deal_id": [f"D{i}" for i in range(20)], "rep_id": ["A"] * 12 + ["B"] * 8,
        "close_date": [f"2026-{m:02d}-10" for m in range(1, 13)] + [f"2026-{m:02d}-10" for m in range(1, 9)],
        "amount": 10_000.0, "product": "Core", "new_logo": False})
    quotas = pd.DataFrame({"rep_id": ["A", "B"], "period": "2026", "target": 100_000.0})
    data = Dataset.from_frames(reps, deals, quotas)
    trials = annual(MonteCarloSource.from_dataset(data, 4000, seed=0), Needs((BOOKINGS,), ("bookings",)))
    assert trials[BOOKINGS.key].mean(axis=0) == pytest.approx([110_909.1, 91_111.1], rel=0.02)
    assert trials[QUOTA][0].tolist() == pytest.approx([100_000.0, 100_000.0])


def test_a_rep_without_deals_books_nothing_unless_asked_and_does_not_move_the_team():
    # A and B as above; C has a 100k quota and no deal. The team's level is A's and B's alone:
    # 200k / 200k = 1.0. C books nothing, or with idle_reps="team" the team's 1.0 x 100k. M,
    # their manager, has no deal either and books nothing in both: a manager sells through the team.
    reps = pd.DataFrame({"rep_id": ["A", "B", "C", "M"], "role": ["AE", "AE", "AE", "Manager"], "team": "T",
                         "manager_id": ["M", "M", "M", None]})
    deals = pd.DataFrame({
        "deal_id": [f"D{i}" for i in range(20)], "rep_id": ["A"] * 12 + ["B"] * 8,
        "close_date": [f"2026-{m:02d}-10" for m in range(1, 13)] + [f"2026-{m:02d}-10" for m in range(1, 9)],
        "amount": 10_000.0, "product": "Core", "new_logo": False})
    quotas = pd.DataFrame({"rep_id": ["A", "B", "C"], "period": "2026", "target": 100_000.0})
    data = Dataset.from_frames(reps, deals, quotas)
    needs = Needs((BOOKINGS,), ("bookings",))
    inactive = annual(MonteCarloSource.from_dataset(data, 4000, seed=0), needs)[BOOKINGS.key]
    assert inactive.mean(axis=0)[:2] == pytest.approx([110_909.1, 91_111.1], rel=0.02)
    assert (inactive[:, 2:] == 0).all()
    team = annual(MonteCarloSource.from_dataset(data, 4000, seed=0, idle_reps="team"), needs)[BOOKINGS.key]
    assert team.mean(axis=0)[:3] == pytest.approx([110_909.1, 91_111.1, 100_000.0], rel=0.02)
    assert (team[:, 3] == 0).all()
    plan = {"plan": "T", "id": "t", "start": "2026-01", "roles": {"AE": {"target_incentive": 1000}},
            "components": [{"id": "c", "weight": 1.0, "metric": "attainment", "measure": "year",
                            "curve": {"points": [[0, 0], [1, 1]]}}]}
    assert "1 rep(s) without a deal in the data (and no team to manage) book nothing in the trials (--idle-reps team, or " \
           "idle_reps='team', gives them their team's level)" in api.simulate([plan], data, trials=5).notes
    with pytest.raises(UsageError, match=r"^<input>: idle_reps: must be one of inactive, team \(got 'all'\)$"):
        MonteCarloSource.from_dataset(data, 5, seed=0, idle_reps="all")


def test_rates_shift_to_the_months_a_run_asks_for():
    rates: Rates = MonteCarloSource.synthetic(3, 2, 0, "2026-01").rates
    moved = rates.over(rates.expected, Month.parse("2026-07"), 12)
    assert moved[:, :6].tolist() == rates.expected[:, 6:].tolist() and (moved[:, 6:] == 0).all()


def test_simulate_runs_synthetic_and_monte_carlo_around_data_and_labels_them():
    plans = ["plans/current-2026.yaml", "plans/balanced-2027.yaml"]
    synthetic = api.simulate(plans, synthetic=30, trials=20, seed=4)
    assert (synthetic.trials, synthetic.seed, synthetic.data_label) == (20, 4, "synthetic 30 reps")
    assert synthetic.results[1].start == Month.parse("2027-01") and synthetic.results[0].replayed
    around = api.simulate(plans, trials=20, seed=4)
    assert around.data_label.endswith("sample (Monte-Carlo around its reps)") and around.trials == 20
    again = api.simulate(plans, trials=20, seed=4)
    np.testing.assert_array_equal(around.results[0].paid, again.results[0].paid)
    with pytest.raises(UsageError, match="trials must be a whole number above 0"):
        api.simulate(plans, trials=0)
    with pytest.raises(UsageError, match="give data or synthetic, not both"):
        api.simulate(plans, api.load_data(), synthetic=5)


def test_the_bundled_sample_loads_and_gives_plausible_payouts():
    data = api.load_data()
    assert len(data.reps) == 80 and not data.warnings
    summary = api.simulate([str(p) for p in api.bundled_plan_paths()]).summary.set_index("plan")
    assert summary.loc["current-2026", "reps"] == 80
    assert 0.5 <= summary.loc["current-2026", "share_at_or_above_quota"] <= 0.7
    for plan_id in ("balanced-2027", "account-manager-2027"):
        assert 0.8 <= summary.loc[plan_id, "payout_pct_ti_p50"] <= 1.2


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(0.05, 30.0), mean=st.floats(100.0, 1e6), cv2=st.floats(0.1, 3.0))
def test_outcome_rows_have_the_compound_poisson_mean_and_variance(rate, mean, cv2):
    count, amount = outcome_table(np.array([rate]), np.array([mean]), np.array([mean * mean * (1 + cv2)]))
    count, amount = count[0].astype(float), amount[0].astype(float)
    assert ((count == 0) == (amount == 0)).all()  # no deal, no money; a deal, some money
    assert amount.mean() == pytest.approx(rate * mean, rel=1e-5)
    assert amount.var() == pytest.approx(rate * mean * mean * (1 + cv2), rel=1e-2)
    assert abs(count.mean() - rate) <= 3 / 256 + 0.01 * rate


@pytest.mark.parametrize("data", [{"synthetic": 50}, {}], ids=["synthetic", "around the sample"])
def test_a_plans_trials_do_not_depend_on_the_plans_run_beside_it(data):
    # balanced-2027 reads strategic bookings and new logos, hunter-2027 new-logo bookings and the
    # discount, current-2026 bookings alone: together they ask for other measures than alone.
    plans = {p: f"plans/{p}.yaml" for p in ("balanced-2027", "hunter-2027", "current-2026")}
    together = api.simulate(list(plans.values()), trials=20, seed=1, **data).results
    for result in together:
        alone = api.simulate([plans[result.plan.id]], trials=20, seed=1, **data).results[0]
        assert alone.paid.shape == (20, len(alone.roster.rep_ids)) and alone.paid.any()
        np.testing.assert_array_equal(alone.paid, result.paid, err_msg=result.plan.id)
        np.testing.assert_array_equal(alone.bookings, result.bookings, err_msg=result.plan.id)
        np.testing.assert_array_equal(alone.by_component, result.by_component, err_msg=result.plan.id)


def test_a_measure_is_its_cells_summed_whatever_is_drawn_beside_it():
    # new_logo_bookings + bookings of existing accounts (new_logo False) is bookings, trial by
    # trial; and existing-account bookings are the same drawn alone or beside a product split.
    existing = DealMeasure.of("sum", "amount", {"new_logo": False})
    new_logo_bookings = DealMeasure.of("sum", "amount", {"new_logo": True})
    needs = Needs((BOOKINGS, existing, new_logo_bookings, STRATEGIC), ())
    cube = synthesize_trials(12, 12, 30, seed=3).chunk(0, needs, START, 12)
    both = cube.measures[existing.key] + cube.measures[new_logo_bookings.key]
    np.testing.assert_allclose(both, cube.measures[BOOKINGS.key], rtol=1e-12, atol=1e-6)
    alone = synthesize_trials(12, 12, 30, seed=3).chunk(0, Needs((existing,), ()), START, 12)
    np.testing.assert_array_equal(alone.measures[existing.key], cube.measures[existing.key])


def test_copies_of_a_source_sent_to_one_process_share_the_tables_it_made_there():
    """A Dask worker may drop its copy of a source and fetch another: the copies unpickled in
    one process draw from the tables the first made, and give the same chunks as the source."""
    import pickle
    from dataclasses import replace

    source = synthesize_trials(30, 12, 40, seed=4, chunk_trials=10)
    needed, start = Needs((BOOKINGS,), ()), Month.parse("2026-01")
    sent = pickle.dumps(source)
    first, second = pickle.loads(sent), pickle.loads(sent)
    assert first._made is second._made and first._made is not source._made
    assert first._made.tables is None
    drawn = first.chunk(2, needed, start, 12)
    assert second._made.tables is not None  # made once, by the first copy
    np.testing.assert_array_equal(second.chunk(2, needed, start, 12).measures["sum:amount"],
                                  source.chunk(2, needed, start, 12).measures["sum:amount"])
    np.testing.assert_array_equal(drawn.measures["sum:amount"], source.chunk(2, needed, start, 12).measures["sum:amount"])
    other = replace(source, seed=5)  # another source: its own tables, wherever it goes
    assert pickle.loads(pickle.dumps(other))._made is not first._made
