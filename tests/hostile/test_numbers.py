"""Money stays finite and exact: every number of a plan and of the data is finite and within
MAX_NUMBER, a run whose payouts overflow fails with a message, JSON is strict, and CSV and XLSX
exports read back to the same floats, so a rep's payout rows still sum to their statement."""

from __future__ import annotations

import copy
import json
import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from corpus import FILES, ROOT, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comp_sim import api
from comp_sim.data.dataset import Dataset
from comp_sim.errors import DataError, PlanError
from comp_sim.limits import MAX_NUMBER, NUMBER_RULE
from comp_sim.output import to_json
from comp_sim.plan.loader import format_path
from comp_sim.report.export import WORKBOOK, write_results

EVERY_NUMBER = {
    "plan": "Every number", "id": "numbers", "start": "2027-01",
    "roles": {"AE": {"target_incentive": 60000}},
    "metrics": {"mix": {"ratio": ["bookings", "quota"], "on_zero": 0}},
    "components": [
        {"id": "revenue", "weight": 0.5, "metric": "attainment",
         "curve": {"points": [[0.5, 0.25], [1.0, 1.0]], "below": 0, "cap": 3}},
        {"id": "logos", "weight": 0.5, "metric": "attainment",
         "tiers": {"bands": [{"to": 1.0, "rate": 1.0}, {"rate": 1.5}], "cap": 4}},
        {"id": "commission", "commission": {"bands": [{"to": 100000, "rate": 0.01}, {"rate": 0.02}], "cap": 5000}},
        {"id": "spiff", "spiff": {"metric": "new_logos", "amount": 1000, "cap": 3000}},
    ],
    "modifiers": [
        {"id": "mult", "multiplier": {"metric": "mix", "points": [[0, 1], [1, 1.2]], "below": 1},
         "applies_to": ["revenue"]},
        {"id": "gate", "gate": {"metric": "new_logos", "min": 1, "cap_when_closed": 1}, "applies_to": ["revenue"]},
    ],
    "cap": {"multiple_of_ti": 3},
}
# Every number of the plan above, by its key path; a curve point is reported at its curve's points.
NUMBERS = [
    ("roles", "AE", "target_incentive"), ("components", 0, "weight"), ("components", 0, "curve", "points", 0, 0),
    ("components", 0, "curve", "points", 1, 1), ("components", 0, "curve", "below"), ("components", 0, "curve", "cap"),
    ("components", 1, "tiers", "bands", 0, "to"), ("components", 1, "tiers", "bands", 1, "rate"),
    ("components", 1, "tiers", "cap"), ("components", 2, "commission", "bands", 0, "to"),
    ("components", 2, "commission", "bands", 1, "rate"), ("components", 2, "commission", "cap"),
    ("components", 3, "spiff", "amount"), ("components", 3, "spiff", "cap"),
    ("modifiers", 0, "multiplier", "points", 1, 1), ("modifiers", 0, "multiplier", "below"),
    ("modifiers", 1, "gate", "min"), ("modifiers", 1, "gate", "cap_when_closed"), ("metrics", "mix", "on_zero"),
    ("cap", "multiple_of_ti"),
]
NOT_SANE = [math.nan, math.inf, -math.inf, 1e308, -1e308, MAX_NUMBER * 1.000001]


def with_number(path: tuple, value: float) -> dict:
    plan = copy.deepcopy(EVERY_NUMBER)
    node = plan
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return plan


def reported_at(path: tuple) -> str:
    return format_path(path[:path.index("points") + 1] if "points" in path else path)


def test_the_plan_of_every_number_is_valid():
    assert api.load_plan(EVERY_NUMBER).id == "numbers"


@settings(max_examples=120, deadline=None)
@given(path=st.sampled_from(NUMBERS), value=st.sampled_from(NOT_SANE))
def test_every_number_of_a_plan_is_finite_and_within_the_bound(path, value):
    with pytest.raises(PlanError) as caught:
        api.load_plan(with_number(path, value))
    at = [issue for issue in caught.value.issues if issue.path == reported_at(path)]
    assert at, str(caught.value)
    assert at[0].message.startswith(("must be a finite number", "must be greater", "must be less")), at[0].message


@pytest.mark.parametrize("path", [("roles", "AE", "target_incentive"), ("components", 3, "spiff", "amount"),
                                  ("modifiers", 1, "gate", "min"), ("components", 2, "commission", "bands", 0, "to")])
def test_a_number_at_the_bound_is_accepted(path):
    api.load_plan(with_number(path, MAX_NUMBER))


def test_a_nan_gate_minimum_is_refused_rather_than_changing_the_cost():
    with pytest.raises(PlanError, match=r"^<plan>: modifiers\[1\]\.gate\.min: must be a finite number from "
                                        r"-1,000,000,000,000 to 1,000,000,000,000 \(got nan\)$"):
        api.load_plan(with_number(("modifiers", 1, "gate", "min"), math.nan))


@pytest.mark.parametrize("table, column", [("deals", "amount"), ("quotas", "target"), ("forecasts", "forecast"),
                                           ("mbo", "score"), ("reps", "base_salary")])
@pytest.mark.parametrize("word", ["1e308", "inf", "-1e13"])
def test_every_number_of_the_data_is_finite_and_within_the_bound(tmp_path, table, column, word):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.loc[0, column] = word
    frame.to_csv(data / f"{table}.csv", index=False)
    with pytest.raises(DataError) as caught:
        api.load_data(data)
    assert f"{data}/{table}.csv:2: {column}: {NUMBER_RULE} (got {float(word)!r})" in str(caught.value).splitlines()


def test_two_deals_at_the_bound_load_and_pay_a_finite_total(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    deals = pd.read_csv(data / "deals.csv")
    deals.loc[:1, "amount"] = MAX_NUMBER
    deals.to_csv(data / "deals.csv", index=False)
    simulation = api.simulate([ROOT / "plans" / "current-2026.yaml"], data)
    assert np.isfinite(simulation.payouts["amount"]).all()
    assert math.isfinite(simulation.summary_dict()["plans"]["current-2026"]["total_payout"])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning")
def test_payouts_that_overflow_fail_with_a_message_naming_the_plan():
    plan = FILES / "plan" / "multipliers-overflow.yaml"
    with pytest.raises(PlanError) as caught:
        api.simulate([plan])
    assert str(caught.value).startswith(f"{plan}: payouts are not finite numbers (inf for rep R002, component "
                                        "revenue): the plan's rates, multipliers and amounts multiply past")
    with pytest.raises(PlanError, match=r"^<plan>: payouts are not finite numbers"):  # a plan given as data
        api.simulate([api.load_plan(plan).model_dump(exclude_defaults=True)])


def strict(text: str):
    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_a_number_that_is_not_finite_is_null():
    text = to_json({"cost": np.float64(2.5), "correlation": np.float64("nan"), "p": [np.inf, float("-inf"), 1]})
    assert strict(text) == {"cost": 2.5, "correlation": None, "p": [None, None, 1]}


QUARTERLY = {
    "plan": "Quarterly", "id": "quarterly", "start": "2026-01", "roles": {"AE": {"target_incentive": 60000}},
    "components": [{"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "quarter",
                    "tiers": {"mode": "retroactive", "bands": [{"to": 0.5, "rate": 0.0}, {"to": 1.0, "rate": 1.0},
                                                                {"rate": 1.5}]}}],
}


def test_summary_and_statement_json_are_strict_json(tmp_path):
    reps = pd.DataFrame([{"rep_id": "R1", "role": "AE"}])  # one rep: no pay-for-performance correlation
    deals = pd.DataFrame([{"deal_id": "D1", "rep_id": "R1", "close_date": "2026-02-01", "amount": 1000.0}])
    quotas = pd.DataFrame([{"rep_id": "R1", "period": "2026", "target": 5000.0}])
    dataset = Dataset.from_frames(reps, deals=deals, quotas=quotas)
    simulation = api.simulate([QUARTERLY], dataset)
    write_results(simulation, tmp_path / "out")
    summary = strict((tmp_path / "out" / "summary.json").read_text())
    assert summary["plans"]["quarterly"]["pay_for_performance"] is None
    # Q1: 1,000 of a 1,250 quarterly quota is 0.8, in the band paying 1.0, of a 15,000 quarter: 12,000
    assert summary["plans"]["quarterly"]["total_payout"] == 12_000.0
    assert strict(api.explain(QUARTERLY, dataset, "R1").json())["total"] == 12_000.0


COMMISSION = {
    "plan": "Commission", "id": "commission", "start": "2027-01", "roles": {"AE": {"target_incentive": 0}},
    "components": [{"id": "commission", "measure": "month",
                    "commission": {"bands": [{"to": 100000, "rate": 0.0731}, {"rate": 0.1093}]}}],
}


def commission_run(amounts: list[float]) -> api.Simulation:
    reps = pd.DataFrame([{"rep_id": f"R{i}", "role": "AE"} for i in range(3)])
    deals = pd.DataFrame([{"deal_id": f"D{i}", "rep_id": f"R{i % 3}", "close_date": f"2027-{i % 12 + 1:02d}-15",
                           "amount": amount} for i, amount in enumerate(amounts)])
    return api.simulate([COMMISSION], Dataset.from_frames(reps, deals=deals))


def test_a_total_reads_back_with_every_digit(tmp_path):
    # the issue's example: a statement of 171,119,487.135 was written as 171119487.1
    simulation = commission_run([171_119_487.135 / 0.1093 + 100_000 * (1 - 0.0731 / 0.1093)])
    total = simulation.statements["payout"].iloc[0]
    assert total == pytest.approx(171_119_487.135, abs=1e-6)
    write_results(simulation, tmp_path / "csv")
    write_results(simulation, tmp_path / "xlsx", fmt="xlsx")
    assert pd.read_csv(tmp_path / "csv" / "statements.csv")["payout"].iloc[0] == total
    sheet = openpyxl.load_workbook(tmp_path / "xlsx" / WORKBOOK)["Statements commission"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("payout") + 1).value == total


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.floats(0.01, 5e6, allow_nan=False).map(lambda a: round(a, 2)), min_size=3, max_size=40))
def test_exports_read_back_exactly_and_payout_rows_sum_to_their_statement(tmp_path_factory, amounts):
    simulation = commission_run(amounts)
    folder = tmp_path_factory.mktemp("exports")
    write_results(simulation, folder / "csv")
    write_results(simulation, folder / "xlsx", fmt="xlsx")
    payouts = pd.read_csv(folder / "csv" / "payouts.csv")
    statements = pd.read_csv(folder / "csv" / "statements.csv")
    assert payouts["amount"].tolist() == simulation.payouts["amount"].tolist()
    assert statements["payout"].tolist() == simulation.statements["payout"].tolist()
    book = openpyxl.load_workbook(folder / "xlsx" / WORKBOOK)
    header = [cell.value for cell in book["Payouts"][1]]
    amounts_read = [row[header.index("amount")] for row in book["Payouts"].iter_rows(min_row=2, values_only=True)]
    assert amounts_read == simulation.payouts["amount"].tolist()
    for rep, rows in payouts.groupby("rep_id"):
        statement = statements.loc[statements["rep_id"] == rep, "payout"].item()
        assert abs(math.fsum(rows["amount"]) - statement) <= 1e-6
