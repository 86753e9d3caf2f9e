"""A small hand-made dataset for the CLI and report tests: four reps (one with a name a
spreadsheet would run as a formula), a plan year of deals, quotas, forecasts; and where the
installed command and the bundled plans are."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from comp_sim.data.dataset import Dataset

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "comp-sim"
PLANS = ROOT / "plans"
HAND_PLANS = ROOT / "tests" / "cli" / "plans"  # frozen copies of two bundled plans, for amounts worked out by hand
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'

REPS = pd.DataFrame([
    {"rep_id": "R1", "name": "Ada Lovelace", "role": "AE", "team": "East", "region": "NA"},
    {"rep_id": "R2", "name": FORMULA_NAME, "role": "AE", "team": "East", "region": "NA"},
    {"rep_id": "R3", "name": "Grace Hopper", "role": "AE", "team": "West", "region": "EU",
     "hire_date": "2027-04-01"},
    {"rep_id": "H1", "name": "Hedy Lamarr", "role": "Hunter", "team": "West", "region": "EU"},
])
DEALS = pd.DataFrame([
    ("D1", "R1", "2027-02-10", 120_000.0, "Platform", "A1", True),
    ("D2", "R1", "2027-05-20", 80_000.0, "Core", "A2", False),
    ("D3", "R1", "2027-11-02", 150_000.0, "Analytics", "A3", True),
    ("D4", "R2", "2027-03-30", 60_000.0, "Core", "A4", False),
    ("D5", "R2", "2027-09-15", 40_000.0, "Platform", "A5", True),
    ("D6", "R3", "2027-06-01", 90_000.0, "Platform", "A6", True),
    ("D7", "H1", "2027-01-15", 70_000.0, "Platform", "A7", True),
    ("D8", "H1", "2027-08-15", 110_000.0, "Core", "A8", True),
], columns=["deal_id", "rep_id", "close_date", "amount", "product", "account_id", "new_logo"])
QUOTAS = pd.DataFrame(
    [(rep, "2027", "bookings", 300_000.0) for rep in ("R1", "R2", "R3", "H1")]
    + [(rep, "2027", "new_logos", 4.0) for rep in ("R1", "R2", "R3", "H1")]
    + [("H1", "2027", "new_logo_bookings", 200_000.0)],
    columns=["rep_id", "period", "metric", "target"])
FORECASTS = pd.DataFrame(
    [(rep, f"2027-Q{q}", 50_000.0) for rep in ("R1", "R2", "R3", "H1") for q in (1, 2, 3, 4)],
    columns=["rep_id", "period", "forecast"])


def small_dataset() -> Dataset:
    return Dataset.from_frames(REPS, deals=DEALS, quotas=QUOTAS, forecasts=FORECASTS, source="small")
