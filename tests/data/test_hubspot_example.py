"""The shipped HubSpot deals export (examples/hubspot) loads through its mapping: one role set by
defaults, Closed Won deals only, 2025 kept as account history; figures below are summed by hand
from the export (2026 Closed Won rows per owner)."""

from __future__ import annotations

import pandas as pd
import pytest

from comp_sim.data.loader import load_data
from data_files import ROOT

EXAMPLE = ROOT / "examples" / "hubspot"
DEALS_FILE = EXAMPLE / "hubspot-crm-exports-all-deals-2026-12-31.csv"


@pytest.fixture(scope="module")
def data():
    return load_data(EXAMPLE, mapping=EXAMPLE / "mapping.yaml")


def test_owners_become_reps_of_one_role_with_the_default_ti(data):
    reps = data.reps.set_index("rep_id")
    assert sorted(reps.index) == ["Aisha Bello", "Jonas Weber", "Kenji Sato", "Luis Ortega", "Maya Chen",
                                  "Priya Nair", "Sofia Rossi", "Tom Becker"]
    assert set(reps["role"]) == {"AE"} and set(reps["target_incentive"]) == {60000.0}
    assert reps.loc["Tom Becker", "end_date"] == pd.Timestamp("2026-09-30")
    assert reps.loc["Aisha Bello", "hire_date"] == pd.Timestamp("2026-04-01")


def test_closed_won_deals_of_2026_are_the_deals_and_2025_is_history(data):
    # 219 rows: 160 Closed Won, of which 48 closed in 2025 and only seed the account history
    assert len(data.deals) == 112
    assert data.deals["close_date"].min() >= pd.Timestamp("2026-01-01")
    assert str(data.account_history) == "2025-07"
    assert any("kept 160 of 219 rows" in w for w in data.warnings)
    assert any("48 deal row(s) closed before 2026-01-01 only seed the account history" in w for w in data.warnings)


def test_bookings_per_owner_by_hand(data):
    assert data.deals.groupby("rep_id")["amount"].sum().to_dict() == {
        "Aisha Bello": 421_100.0, "Jonas Weber": 739_350.0, "Luis Ortega": 839_250.0, "Maya Chen": 612_500.0,
        "Priya Nair": 495_300.0, "Sofia Rossi": 521_800.0, "Tom Becker": 855_800.0}


def test_a_blank_deal_type_is_a_new_logo_only_for_a_company_that_never_bought(data):
    flags = data.deals.set_index("deal_id")["new_logo"]
    assert bool(flags["9810058501"])  # Fourth Coffee GmbH, March 2026: its first purchase
    assert not bool(flags["9810012986"])  # Margie GmbH bought in September 2025
    raw = pd.read_csv(DEALS_FILE, dtype=str, keep_default_na=False)
    typed = raw[(raw["Deal Stage"] == "Closed Won") & raw["Close Date"].str.startswith("2026")
                & (raw["Deal Type"] != "")]
    given = typed.set_index("Record ID")["Deal Type"].eq("New Business")
    assert flags[given.index].tolist() == given.tolist()  # the export's own flags are kept
