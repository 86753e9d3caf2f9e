"""Programs compared per rep across the whole team, over the reps both cover, figures worked out
by hand; populations that differ are said, never subtracted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comp_sim import api, cli

LINEAR = {"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "year",
          "curve": {"points": [[0, 0], [1, 1], [2, 2]]}}
STEEP = {**LINEAR, "curve": {"points": [[0, 0], [1, 1], [2, 3]]}}


def plan_file(folder: Path, plan_id: str, roles: dict, component: dict) -> str:
    import json

    text = json.dumps({"plan": plan_id, "id": plan_id, "start": "2027-01", "roles": roles, "components": [component]})
    (folder / f"{plan_id}.yaml").write_text(text)
    return f"{plan_id}.yaml"


@pytest.fixture
def programs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Today: one linear plan for AEs and AMs. Proposed: steep for AEs, linear for AMs (another
    plan). Sellers-only: the steep AE plan alone, covering fewer reps."""
    plan_file(tmp_path, "today", {"AE": {"target_incentive": 10000}, "AM": {"target_incentive": 5000}}, LINEAR)
    plan_file(tmp_path, "ae-steep", {"AE": {"target_incentive": 10000}}, STEEP)
    plan_file(tmp_path, "am-linear", {"AM": {"target_incentive": 5000}}, LINEAR)
    today = tmp_path / "today-program.yaml"
    today.write_text("program: Today\nid: today-program\nplans: [today.yaml]\n")
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text("program: Proposed\nid: proposed\nplans: [ae-steep.yaml, am-linear.yaml]\n")
    return today, proposed, tmp_path / "ae-steep.yaml"


def data() -> api.Dataset:
    reps = pd.DataFrame([{"rep_id": "A1", "role": "AE"}, {"rep_id": "A2", "role": "AE"}, {"rep_id": "M1", "role": "AM"}])
    deals = pd.DataFrame([{"deal_id": "D1", "rep_id": "A1", "close_date": "2027-03-01", "amount": 150000},
                          {"deal_id": "D2", "rep_id": "A2", "close_date": "2027-03-01", "amount": 50000},
                          {"deal_id": "D3", "rep_id": "M1", "close_date": "2027-03-01", "amount": 120000}])
    quotas = pd.DataFrame([{"rep_id": r, "period": "2027", "target": 100000} for r in ("A1", "A2", "M1")])
    return api.Dataset.from_frames(reps, deals=deals, quotas=quotas)


def test_programs_compare_each_rep_whichever_plan_pays_them(programs):
    today, proposed, _ = programs
    comparison = api.compare(api.simulate([today, proposed], data()))
    reps = comparison.reps.set_index("rep_id")
    # A1 at 1.5: today 1.5 x 10,000 = 15,000; proposed 1 + 0.5 x 2 = 2.0 x 10,000 = 20,000
    assert reps.loc["A1", ["baseline_payout", "payout", "delta"]].tolist() == pytest.approx([15000, 20000, 5000])
    assert (reps.loc["A1", "baseline_plan"], reps.loc["A1", "paid_by"]) == ("today", "ae-steep")
    # A2 at 0.5: 5,000 both; M1 at 1.2 on the AM plan: 1.2 x 5,000 = 6,000 both
    assert reps.loc["A2", "outcome"] == "same" and reps.loc["M1", "paid_by"] == "am-linear"
    row = comparison.plans.set_index("plan").loc["proposed"]
    assert (row["reps"], row["common_reps"], row["winners"], row["losers"]) == (3, 3, 1, 0)
    assert row["total_payout"] == pytest.approx(31000) and row["delta_vs_baseline"] == pytest.approx(5000)
    summary = api.simulate([today, proposed], data()).summary_dict()["programs"]["proposed"]
    assert summary["by_plan"] == pytest.approx({"ae-steep": 25000, "am-linear": 6000})
    assert summary["total_bookings"] == pytest.approx(320000)


def test_a_smaller_population_is_compared_on_the_reps_both_cover_and_the_rest_is_said(programs):
    today, _, steep = programs
    sim = api.simulate([today, steep], data())
    comparison = api.compare(sim, "today-program")
    row = comparison.plans.set_index("plan").loc["ae-steep"]
    # today pays 26,000 to three reps, the AE plan 25,000 to two: the change is over A1 and A2 only
    assert row["total_payout"] == pytest.approx(25000)
    assert row["delta_vs_baseline"] == pytest.approx(5000)  # not 25,000 - 26,000
    assert (row["common_reps"], row["only_here"], row["only_in_baseline"]) == (2, 0, 1)
    assert comparison.coverage[["rep_id", "covered_by"]].values.tolist() == [["M1", "today-program"]]


def test_a_program_covering_part_of_the_team_names_who_it_leaves_out(programs, tmp_path):
    partial = tmp_path / "partial.yaml"
    partial.write_text("program: Partial\nid: partial\nplans: [ae-steep.yaml]\n")
    sim = api.simulate([partial], data())
    assert "partial: 1 rep(s) of the data are paid by none of its plans (roles: AM)" in sim.notes
    assert sim.summary_dict()["programs"]["partial"]["uncovered_reps"] == ["M1"]


def test_explain_with_a_program_reads_the_plan_that_pays_the_rep(programs):
    _, proposed, _ = programs
    statement = api.explain(proposed, data(), "M1")
    assert statement.header["plan"] == "am-linear" and statement.total == pytest.approx(6000)
    with pytest.raises(api.UsageError, match="no rep 'X9' is paid by a plan of program proposed"):
        api.explain(proposed, data(), "X9")


def test_the_cli_compares_programs_and_writes_who_only_one_covers(programs, tmp_path, capsys):
    today, _, steep = programs
    folder = tmp_path / "data"
    folder.mkdir()
    dataset = data()
    for table in ("reps", "deals", "quotas"):
        getattr(dataset, table).to_csv(folder / f"{table}.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--program", str(today), "--plan", str(steep), "--data", str(folder),
                  "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "+5,000.00 USD (2 reps)" in shown and "0 / 1" in shown
    coverage = pd.read_csv(tmp_path / "out" / "coverage.csv")
    assert coverage[["rep_id", "covered_by"]].values.tolist() == [["M1", "today-program"]]
