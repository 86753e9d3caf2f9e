"""What the data cannot answer is said, never guessed (SPEC "Data"): a plan reading a table the
data lacks is refused at the plan's line, and a plan covering nobody is a note, not a crash."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comp_sim import api, cli

PLAN = """\
plan: Accuracy
id: accuracy
start: 2027-01
roles: {AE: {target_incentive: 10000}}
components:
  - id: revenue
    weight: 0.8
    metric: attainment
    measure: quarter
    curve: {points: [[0, 0], [1, 1]]}
  - id: forecast
    weight: 0.2
    metric: forecast_accuracy
    measure: quarter
    curve: {points: [[0.7, 0], [1.0, 1.0]]}
cap: {multiple_of_ti: 2.0}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Reps and deals, no quotas and no forecasts: an export as it often comes."""
    pd.DataFrame([{"rep_id": "R1", "role": "AE"}, {"rep_id": "R2", "role": "AE"}]).to_csv(tmp_path / "reps.csv", index=False)
    pd.DataFrame([{"deal_id": "D1", "rep_id": "R1", "close_date": "2027-02-01", "amount": 1000}]).to_csv(
        tmp_path / "deals.csv", index=False)
    (tmp_path / "accuracy.yaml").write_text(PLAN)
    return tmp_path


def test_a_plan_reading_missing_tables_is_refused_at_its_lines(folder):
    with pytest.raises(api.DataError) as caught:
        api.simulate([folder / "accuracy.yaml"], folder)
    lines = str(caught.value).splitlines()
    plan = folder / "accuracy.yaml"
    assert lines == [
        f"{plan}:8:13: components[0].metric: 'attainment' is computed from the quotas table, which the data "
        f"({folder}) does not have: add a quotas file (columns rep_id, period, target) or pay on another metric",
        f"{plan}:13:13: components[1].metric: 'forecast_accuracy' is computed from the forecasts table, which the "
        f"data ({folder}) does not have: add a forecasts file (columns rep_id, period, forecast) or pay on another metric",
    ]


def test_monte_carlo_trials_around_the_data_refuse_it_too(folder):
    pd.DataFrame([{"rep_id": "R1", "period": "2027", "target": 4000}]).to_csv(folder / "quotas.csv", index=False)
    with pytest.raises(api.DataError, match="'forecast_accuracy' is computed from the forecasts table"):
        api.simulate([folder / "accuracy.yaml"], folder, trials=20)


def test_the_cli_exits_1_naming_the_table(folder, capsys):
    out = folder.with_name(folder.name + "-out")  # apart from the data folder, which --out may not sit inside
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--plan", str(folder / "accuracy.yaml"), "--data", str(folder), "--out", str(out)])
    assert exit_info.value.code == 1
    assert "the forecasts table, which the data" in capsys.readouterr().err
    assert not out.exists()


def test_a_capped_plan_covering_nobody_is_a_note_and_the_other_plans_run(folder):
    pd.DataFrame([{"rep_id": r, "period": "2027", "target": 4000} for r in ("R1", "R2")]).to_csv(
        folder / "quotas.csv", index=False)
    pd.DataFrame([{"rep_id": r, "period": "2027", "forecast": 1000} for r in ("R1", "R2")]).to_csv(
        folder / "forecasts.csv", index=False)
    nobody = PLAN.replace("id: accuracy", "id: managers").replace("roles: {AE:", "roles: {Manager:")
    sim = api.simulate([folder / "accuracy.yaml", nobody], folder)
    assert "managers covers no rep of the data (its roles: Manager)" in sim.notes
    assert sim.result("managers").total_cost.tolist() == [0.0]
    # R1: 1,000 of a 4,000 quota in Q1 (1,000 a quarter) -> attainment 1.0 -> 0.8 x 2,500 = 2,000;
    # forecast 250 a quarter against 1,000 booked -> accuracy 0 -> nothing. The cap is 20,000.
    assert sim.result("accuracy").total_cost.tolist() == pytest.approx([2000.0])
