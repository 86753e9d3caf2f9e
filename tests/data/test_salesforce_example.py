"""The shipped Salesforce export (examples/salesforce) loads through its mapping and runs through a
plan; figures below are summed by hand from opportunities.csv."""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim.api import simulate
from comp_sim.data.loader import load_data
from comp_sim.data.mapping import load_mapping
from comp_sim.errors import DataError
from data_files import ROOT

EXAMPLE = ROOT / "examples" / "salesforce"
MAYA, LUIS, PRIYA, TOM = "0055g00000A1bCdAAA", "0055g00000A1bCeAAA", "0055g00000A1bCfAAA", "0055g00000A1bCgAAA"


@pytest.fixture(scope="module")
def data():
    return load_data(EXAMPLE, mapping=EXAMPLE / "mapping.yaml")


def test_users_become_reps_with_our_roles(data):
    reps = data.reps.set_index("rep_id")
    assert reps["role"].to_dict() == {MAYA: "AE", LUIS: "AE", PRIYA: "AE", TOM: "AM"}
    assert reps.loc[LUIS, "target_incentive"] == 65000.0
    assert reps.loc[PRIYA, "hire_date"] == pd.Timestamp("2027-04-01")
    assert reps.loc[TOM, "end_date"] == pd.Timestamp("2027-09-30")


def test_only_closed_won_opportunities_are_deals(data):
    # 30 opportunities: 6 Closed Lost, 1 Negotiation/Review and 1 Prospecting are dropped
    assert len(data.deals) == 22
    assert data.deals.groupby("rep_id").size().to_dict() == {MAYA: 7, LUIS: 6, PRIYA: 5, TOM: 4}


def test_maya_bookings_and_new_logos_by_hand(data):
    maya = data.deals[(data.deals["rep_id"] == MAYA) & (data.deals["close_date"].dt.year == 2027)]
    # 84,000 + 26,500 + 18,000 + 12,500 + 47,000 + 61,000 (her 2026-12 deal is outside the year)
    assert maya["amount"].sum() == 249000.0
    # Type: New Business for Northwind rollout, Litware and Woodgrove; the upgrade is existing
    assert maya.loc[maya["new_logo"], "deal_id"].tolist() == [
        "0065g00000Op001AAA", "0065g00000Op005AAA", "0065g00000Op008AAA"]


def test_quotas_and_forecasts_map_to_our_metrics(data):
    maya = data.quotas[data.quotas["rep_id"] == MAYA]
    assert maya.groupby("metric")["target"].sum().to_dict() == {"bookings": 300000.0, "new_logos": 4.0}
    assert set(data.forecasts["period"]) == {"2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"}


def test_the_example_runs_through_a_plan(data):
    statements = simulate([ROOT / "plans" / "balanced-2027.yaml"], data=data).statements.set_index("rep_id")
    assert sorted(statements.index) == [MAYA, LUIS, PRIYA]  # Tom is an AM, not on the AE plan
    assert statements.loc[MAYA, "bookings"] == 249000.0
    assert statements.loc[MAYA, "quota"] == 300000.0
    assert statements.loc[MAYA, "attainment"] == pytest.approx(0.83)  # 249,000 / 300,000
    # Priya: 54,000 + 11,000 + 38,000 + 19,500 + 14,000 on three quarters of 50,000
    assert statements.loc[PRIYA, "bookings"] == 136500.0
    assert statements.loc[PRIYA, "attainment"] == pytest.approx(0.91)
    assert (statements["payout"] > 0).all()


def test_map_pairs_over_the_example_mapping(data):
    """--map over the file: taking Amount again from the same column changes nothing."""
    mapping = load_mapping(EXAMPLE / "mapping.yaml", ["deals.amount=Amount"])
    again = load_data(EXAMPLE, mapping=mapping)
    pd.testing.assert_frame_equal(again.deals, data.deals)


def test_a_bad_amount_names_the_export_line_as_the_readme_says(tmp_path):
    for name in ("users.csv", "quotas.csv", "forecasts.csv", "mapping.yaml"):
        (tmp_path / name).write_bytes((EXAMPLE / name).read_bytes())
    export = (EXAMPLE / "opportunities.csv").read_text()
    (tmp_path / "opportunities.csv").write_text(export.replace("Services,Closed Won,12500.00", 'Services,Closed Won,"12,500"'))
    with pytest.raises(DataError) as caught:
        load_data(tmp_path, mapping=tmp_path / "mapping.yaml")
    assert str(caught.value) == f"{tmp_path}/opportunities.csv:6: Amount: must be a number (got '12,500')"
    assert "opportunities.csv:6: Amount: must be a number (got '12,500')" in (EXAMPLE / "README.md").read_text()


def test_without_its_mapping_the_export_says_what_is_missing():
    with pytest.raises(DataError, match=r"^.*examples/salesforce: no reps table: .*\(found: README.md, forecasts.csv, "
                                        r"mapping.yaml, opportunities.csv, quotas.csv, users.csv\); mapping.yaml "
                                        r"may be the column mapping this export needs$"):
        load_data(EXAMPLE)


def test_map_pairs_alone_still_point_at_the_mapping_file():
    with pytest.raises(DataError, match=r"mapping.yaml may be the column mapping this export needs$"):
        load_data(EXAMPLE, mapping=load_mapping(None, ["deals.amount=Amount"]))
