"""The download buttons hand over the files ``comp-sim run --out`` writes for the same run."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from comp_sim import api
from comp_sim.app.downloads import _exported
from comp_sim.report.export import WORKBOOK


@pytest.fixture(scope="module")
def run():
    simulation = api.simulate(api.bundled_plan_paths(), trials=20, seed=3, detail_trials=1)
    return simulation, api.compare(simulation, "current-2026")


def test_statements_csv_holds_every_plan_and_rep_with_the_run_payouts(run):
    simulation, comparison = run
    shown = pd.read_csv(io.BytesIO(_exported(simulation, comparison, "csv", "statements.csv")))
    expected = simulation.statements
    assert len(shown) == len(expected)
    assert shown["payout"].to_numpy() == pytest.approx(expected["payout"].to_numpy(), rel=1e-9)


def test_payouts_csv_holds_the_first_trial_line_by_line(run):
    simulation, comparison = run
    shown = pd.read_csv(io.BytesIO(_exported(simulation, comparison, "csv", "payouts.csv")))
    assert set(shown["trial"]) == {0}
    per_plan = shown.groupby("plan")["amount"].sum()
    for result in simulation.results:
        assert per_plan[result.plan.id] == pytest.approx(result.paid[0].sum(), rel=1e-9)


def test_the_workbook_opens_with_summary_comparison_statements_and_payouts(run):
    simulation, comparison = run
    book = load_workbook(io.BytesIO(_exported(simulation, comparison, "xlsx", WORKBOOK)), read_only=True)
    names = book.sheetnames
    assert names[:3] == ["Summary", "Comparison", "Winners and losers"]
    assert "Payouts" in names and sum(n.startswith("Statements") for n in names) == len(simulation.plans)
