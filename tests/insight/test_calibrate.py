"""Calibration: a scale solved by hand on plans whose cost is linear in it, the calibrated file
simulated afresh within 0.1% of the target, its comments and key order kept, and targets out of
reach refused with the reachable range."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from comp_sim import api, cli
from comp_sim.insight.calibrate import lever_edits, pay_at_quota
from comp_sim.plan.loader import load_plan

PLAN = """\
# A plan to calibrate: its comment stays.
plan: Commission
id: commission
start: 2027-01
roles: {AE: {target_incentive: 10000}}
components:
  - id: revenue          # half the TI at quota, linear
    weight: 1.0
    metric: attainment
    measure: year
    curve: {points: [[0, 0], [1, 1], [2, 3]], beyond: hold}
  - id: commission
    measure: year
    commission: {bands: [{rate: 0.01}]}
"""


def data() -> api.Dataset:
    reps = pd.DataFrame([{"rep_id": "R1", "role": "AE"}, {"rep_id": "R2", "role": "AE"}])
    deals = pd.DataFrame([{"deal_id": "D1", "rep_id": "R1", "close_date": "2027-03-01", "amount": 100000},
                          {"deal_id": "D2", "rep_id": "R2", "close_date": "2027-03-01", "amount": 150000}])
    quotas = pd.DataFrame([{"rep_id": r, "period": "2027", "target": 100000} for r in ("R1", "R2")])
    return api.Dataset.from_frames(reps, deals=deals, quotas=quotas)


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "commission.yaml"
    path.write_text(PLAN)
    return path


# R1 at 1.0: 10,000 + 1,000 commission; R2 at 1.5: curve 2.0 x 10,000 = 20,000 + 1,500. Cost 32,500.


def test_the_rates_lever_scales_every_rate_by_hand(plan_path):
    result = api.calibrate(plan_path, lever="rates", budget=39000, data=data())
    # every curve y and the commission rate x s: cost 32,500 x s = 39,000 -> s = 1.2
    assert result.scale == pytest.approx(1.2, rel=1e-6)
    assert result.before["cost"] == pytest.approx(32500) and result.reached == pytest.approx(39000, rel=1e-6)
    plan = result.plans[0]
    assert [y for _, y in plan.components[0].curve.points] == pytest.approx([0, 1.2, 3.6])
    assert plan.components[1].commission.bands[0].rate == pytest.approx(0.012)


def test_the_ti_lever_scales_what_is_expressed_in_ti(plan_path):
    # the curve pays 30,000 of TI, the commission 2,500 of money: 30,000 s + 2,500 = 26,500 -> s = 0.8
    result = api.calibrate(plan_path, lever="ti", budget=26500, data=data())
    assert result.scale == pytest.approx(0.8, rel=1e-6)
    assert result.plans[0].roles["AE"].target_incentive == pytest.approx(8000)


def test_the_upside_lever_moves_only_what_is_paid_above_target(plan_path):
    # above target the curve pays (y - 1): R2's 2.0 is 1 + 1.0; with 1 + s (3 - 1) at x = 2 R2 earns
    # 1 + 0.5 s x 2 = 1 + s; cost = 10,000 + 10,000 (1 + s) + 2,500 = 32,500 at s = 1; 30,000 -> s = 0.75
    result = api.calibrate(plan_path, lever="upside", budget=30000, data=data())
    assert result.scale == pytest.approx(0.75, rel=1e-6)
    assert [y for _, y in result.plans[0].components[0].curve.points] == pytest.approx([0, 1, 2.5])
    assert result.plans[0].components[1].commission.bands[0].rate == 0.01  # money is not upside


def test_the_written_file_keeps_comments_and_key_order_and_costs_the_target_afresh(plan_path, tmp_path):
    result = api.calibrate(plan_path, lever="rates", budget=39000, data=data())
    out = tmp_path / "calibrated.yaml"
    api.write_calibrated(result, out)
    text = out.read_text()
    assert text.startswith("# Calibrated with comp-sim calibrate on ")
    assert "rates lever x 1.2, solved for a budget of 39,000.00 USD" in text.splitlines()[0]
    assert "# A plan to calibrate: its comment stays." in text and "- id: revenue          # half the TI" in text
    assert text.index("plan: Commission") < text.index("roles:") < text.index("components:")
    fresh = api.simulate([out], data()).summary["total_payout"].iloc[0]
    assert fresh == pytest.approx(39000, rel=0.001)


def test_cost_neutral_to_another_plan_over_the_same_trials(plan_path, tmp_path):
    cheaper = tmp_path / "cheaper.yaml"
    cheaper.write_text(PLAN.replace("id: commission", "id: cheaper").replace("rate: 0.01", "rate: 0.005"))
    result = api.calibrate(plan_path, lever="rates", cost_neutral_to=cheaper, data=data(), trials=30, seed=4)
    baseline = api.simulate([cheaper], data(), trials=30, seed=4).summary["total_payout"].iloc[0]
    assert result.reached == pytest.approx(baseline, rel=0.001)
    assert result.target.label.startswith("cost-neutral to cheaper")
    assert {"winners", "losers"} <= set(result.after)
    out = tmp_path / "neutral.yaml"
    api.write_calibrated(result, out)
    fresh = api.simulate([out], data(), trials=30, seed=4).summary["total_payout"].iloc[0]
    assert fresh == pytest.approx(baseline, rel=0.001)


def test_pay_at_quota_is_what_reps_within_5_percent_of_quota_earn(plan_path):
    # R1 finishes at quota: 10,000 + 1,000 = 11,000 = 110% of TI; the rates lever x s -> 100% at s = 1/1.1
    result = api.calibrate(plan_path, lever="rates", pay_at_quota=1.0, data=data())
    assert result.before["pay_at_quota"] == pytest.approx(1.1)
    assert result.scale == pytest.approx(1 / 1.1, rel=1e-6)


def test_a_target_out_of_reach_states_the_reachable_range(plan_path):
    # the upside lever only moves R2's 10,000 above target: scales 0.001..1000 reach 22,510 .. 10,022,500
    with pytest.raises(api.UsageError, match=r"out of reach of the upside lever: scales 0\.001 to 1000 give "
                                             r"22,510\.00 to 10,022,500\.00"):
        api.calibrate(plan_path, lever="upside", budget=10000, data=data())
    with pytest.raises(api.UsageError, match="give exactly one target"):
        api.calibrate(plan_path, lever="rates", budget=1.0, pay_at_quota=1.0, data=data())


def test_lever_edits_are_key_paths_of_the_file(plan_path):
    edits = dict(lever_edits(load_plan(plan_path), "rates", 2.0))
    assert edits[("components", 0, "curve", "points", 2, 1)] == 6.0
    assert edits[("components", 1, "commission", "bands", 0, "rate")] == 0.02
    assert ("components", 0, "curve", "points", 0, 1) not in edits  # 0 x 2 is still 0


def test_the_cli_calibrates_a_program_into_a_folder_and_refuses_an_unreachable_target(tmp_path, capsys):
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "calibrated"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["calibrate", "--program", str(root / "programs" / "proposed-2027.yaml"), "--cost-neutral-to",
                  str(root / "programs" / "current-2026.yaml"), "--lever", "ti", "--out", str(out)])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert "meets cost-neutral to current" in printed and "Guard figures" in printed
    program = out / "proposed-2027.yaml"
    assert sorted(p.name for p in out.iterdir()) == ["account-manager-2027.yaml", "balanced-2027.yaml",
                                                     "hunter-2027.yaml", "manager-2027.yaml", "proposed-2027.yaml",
                                                     "se-overlay-2027.yaml"]
    fresh = api.compare(api.simulate([root / "programs" / "current-2026.yaml", program])).plans
    assert fresh["total_payout"].iloc[1] == pytest.approx(fresh["total_payout"].iloc[0], rel=0.001)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["calibrate", "--plan", str(root / "plans" / "balanced-2027.yaml"), "--pay-at-quota", "1.0",
                  "--lever", "ti", "--out", str(tmp_path / "x.yaml")])
    assert exit_info.value.code == 1
    assert "out of reach of the ti lever" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()


def test_pay_at_quota_is_nan_without_reps_near_quota(plan_path):
    far = data()
    far = api.Dataset.from_frames(far.reps, deals=far.deals.assign(amount=[200000, 50000]), quotas=far.quotas)
    assert math.isnan(pay_at_quota(api.simulate([plan_path], far).units[0]))  # one at 2.0, one at 0.5
    with pytest.raises(api.UsageError, match="no rep finishes the year within 5% of quota"):
        api.calibrate(plan_path, lever="rates", pay_at_quota=1.0, data=far)


def test_trials_around_the_data_give_reps_without_deals_their_team_level_when_asked(plan_path):
    """R3 has a quota and no deal: in trials it books nothing, or (idle_reps="team") at the team's
    level, so the cost before the scale is the one simulate gives either way, and higher with it."""
    base = data()
    reps = pd.concat([base.reps, pd.DataFrame([{"rep_id": "R3", "role": "AE"}])], ignore_index=True)
    quotas = pd.DataFrame([{"rep_id": r, "period": "2027", "target": 100000} for r in ("R1", "R2", "R3")])
    idle = api.Dataset.from_frames(reps, deals=base.deals, quotas=quotas)
    before = {}
    for how in api.IDLE_REPS:
        result = api.calibrate(plan_path, lever="rates", budget=50000, data=idle, trials=40, seed=2, idle_reps=how)
        before[how] = result.before["cost"]
        expected = api.simulate([plan_path], idle, trials=40, seed=2, idle_reps=how).summary["total_payout"].iloc[0]
        assert before[how] == pytest.approx(expected, rel=1e-9)
    assert before["team"] > before["inactive"]
