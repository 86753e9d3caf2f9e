"""Valid data loads the same from CSV, Parquet, XLSX files, one workbook, a mix, or frames, into
the normalized tables of Dataset; new_logo is derived from accounts when not given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from comp_sim.data.dataset import TABLES, Dataset
from comp_sim.data.loader import load_data
from data_files import VALID, write


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    """A folder holding the VALID tables as CSV."""
    return write(tmp_path / "data", VALID)


@pytest.fixture
def frames(valid: Path) -> dict[str, pd.DataFrame]:
    """The valid tables read back as plain text cells (what a user would put in any file)."""
    return {table: pd.read_csv(valid / f"{table}.csv", dtype=str, keep_default_na=False) for table in TABLES}


def as_typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells typed as a spreadsheet or Parquet writer would keep them (numbers, dates)."""
    out = frame.replace("", None)
    for column in ("hire_date", "end_date", "close_date"):
        if column in out:
            out[column] = pd.to_datetime(out[column])
    for column in ("base_salary", "target_incentive", "amount", "discount", "split", "target", "forecast", "score"):
        if column in out:
            out[column] = pd.to_numeric(out[column])
    return out


def assert_same(left: Dataset, right: Dataset) -> None:
    for table in TABLES:
        assert_frame_equal(getattr(left, table), getattr(right, table), check_like=True, obj=table)


def test_csv_folder_loads_normalized_tables(valid: Path):
    data = load_data(valid)
    reps = data.reps.set_index("rep_id")
    assert list(reps.index) == ["R1", "R2", "007"]  # an id with leading zeros stays text
    assert reps.loc["R1", "region"] == "NA"  # "NA" is North America, not a missing value
    assert reps.loc["R2", "end_date"] == pd.Timestamp("2027-10-31")
    assert pd.isna(reps.loc["R2", "target_incentive"])  # the role default applies
    assert data.deals["amount"].tolist() == [1000.0, 2500.5, 2500.5, 400.0]
    assert data.deals["split"].tolist() == [1.0, 0.5, 0.5, 1.0]  # empty split is the default 1
    assert data.deals["discount"].tolist() == [0.1, 0.0, 0.0, 0.0]
    assert data.quotas["period"].tolist() == ["2027", "2027-Q2", "2027-H1"]
    assert data.quotas["metric"].tolist() == ["bookings", "bookings", "new_logos"]
    assert data.forecasts["period"].tolist() == ["2027-Q1", "2027-04"]
    assert data.files == {table: str(valid / f"{table}.csv") for table in TABLES}
    assert data.source == str(valid)


def test_new_logo_is_each_accounts_first_closed_deal(tmp_path: Path):
    """A1: D5 and D4 close first (2027-01-10) and D4 is the lower id, so D4 (both of its split
    rows) is the new logo, D5 and the later D6 are not; A2's only deal is; a deal without an
    account is not; a given flag wins over the rule (D9 yes, D10 no), an empty one is derived."""
    folder = write(tmp_path, {
        "reps.csv": "rep_id,role\nR1,AE\nR2,AE\n",
        "deals.csv": (
            "deal_id,rep_id,close_date,amount,account_id,split,new_logo\n"
            "D6,R1,2027-02-01,1,A1,1,\n"
            "D5,R1,2027-01-10,1,A1,1,\n"
            "D4,R1,2027-01-10,1,A1,0.5,\n"
            "D4,R2,2027-01-10,1,A1,0.5,\n"
            "D7,R2,2027-03-01,1,A2,1,\n"
            "D8,R2,2027-02-01,1,,1,\n"
            "D9,R1,2027-04-01,1,A2,1,yes\n"
            "D10,R1,2027-04-01,1,A3,1,false\n"
        ),
    })
    deals = load_data(folder).deals
    assert dict(zip(deals["deal_id"] + "/" + deals["rep_id"], deals["new_logo"])) == {
        "D6/R1": False, "D5/R1": False, "D4/R1": True, "D4/R2": True, "D7/R2": True, "D8/R2": False,
        "D9/R1": True, "D10/R1": False,
    }


def test_new_logo_derived_for_every_row_when_the_column_is_absent(tmp_path: Path):
    folder = write(tmp_path, {
        "reps.csv": "rep_id,role\nR1,AE\n",
        "deals.csv": "deal_id,rep_id,close_date,amount,account_id\nD2,R1,2027-05-01,1,A1\nD1,R1,2027-06-01,1,A1\nD3,R1,2027-01-01,1,A2\n",
    })
    assert load_data(folder).deals["new_logo"].tolist() == [True, False, True]


def test_parquet_files_load_the_same(valid: Path, tmp_path: Path, frames):
    folder = write(tmp_path / "pq", {f"{t}.parquet": as_typed(f) for t, f in frames.items()})
    assert_same(load_data(folder), load_data(valid))


def test_xlsx_files_load_the_same(valid: Path, tmp_path: Path, frames):
    folder = write(tmp_path / "xl", {f"{t}.xlsx": as_typed(f) for t, f in frames.items()})
    assert_same(load_data(folder), load_data(valid))


def test_one_workbook_with_a_sheet_per_table(valid: Path, tmp_path: Path, frames):
    sheets = {name.capitalize() if name == "deals" else name: as_typed(f) for name, f in frames.items()}
    folder = write(tmp_path / "book", {"data.xlsx": sheets, "README.md": "notes are not data\n"})
    loaded = load_data(folder)
    assert_same(loaded, load_data(valid))
    assert loaded.files["deals"] == f"{folder}/data.xlsx[Deals]"
    assert_same(load_data(folder / "data.xlsx"), loaded)  # the workbook itself is a source too


def test_a_mix_of_csv_parquet_and_xlsx(valid: Path, tmp_path: Path, frames):
    folder = write(tmp_path / "mix", {
        "reps.csv": VALID["reps.csv"],
        "deals.parquet": as_typed(frames["deals"]),
        "quotas.xlsx": as_typed(frames["quotas"]),
        "extra.xlsx": {"forecasts": as_typed(frames["forecasts"]), "mbo": as_typed(frames["mbo"])},
    })
    assert_same(load_data(folder), load_data(valid))


def test_a_dict_of_paths_and_frames(valid: Path, frames):
    source = {"reps": valid / "reps.csv", "deals": str(valid / "deals.csv"), "quotas": as_typed(frames["quotas"]),
              "forecasts": frames["forecasts"], "mbo": frames["mbo"]}
    loaded = load_data(source)
    assert_same(loaded, load_data(valid))
    assert loaded.files["quotas"] == "<quotas>"


def test_only_reps_is_required(tmp_path: Path):
    folder = write(tmp_path, {"reps.csv": "rep_id,role\nR1,AE\n"})
    data = load_data(folder)
    assert data.deals.empty and data.quotas.empty and data.forecasts.empty and data.mbo.empty
    assert data.reps["name"].tolist() == ["R1"]  # the name defaults to the id


def test_header_only_tables_are_empty(valid: Path):
    write(valid, {"deals.csv": "deal_id,rep_id,close_date,amount\n"})
    assert load_data(valid).deals.empty


def test_months_outside_the_plan_year_are_not_errors(valid: Path):
    write(valid, {"deals.csv": "deal_id,rep_id,close_date,amount\nD1,R1,2019-07-01,5\nD2,R1,2031-01-01,6\n"})
    assert load_data(valid).deals["close_date"].dt.year.tolist() == [2019, 2031]


def test_excel_dates_and_numbers_in_text_columns(tmp_path: Path):
    """Excel turns a typed 2027-03 into 1 March 2027 and ids into numbers: both read back as
    the month and the id."""
    folder = write(tmp_path, {
        "reps.xlsx": pd.DataFrame({"rep_id": [101, 102], "role": ["AE", "AE"]}),
        "quotas.xlsx": pd.DataFrame({"rep_id": [101, 102], "period": [dt.datetime(2027, 3, 1), "2027-Q2"], "target": [5, 6]}),
    })
    data = load_data(folder)
    assert data.reps["rep_id"].tolist() == ["101", "102"]
    assert data.quotas["period"].tolist() == ["2027-03", "2027-Q2"]


def test_timestamps_with_a_time_zone_keep_their_date(tmp_path: Path):
    folder = write(tmp_path, {
        "reps.csv": "rep_id,role\nR1,AE\n",
        "deals.csv": "deal_id,rep_id,close_date,amount\nD1,R1,2027-03-31T22:00:00Z,5\n",
    })
    assert load_data(folder).deals["close_date"].tolist() == [pd.Timestamp("2027-03-31 22:00:00")]


def test_extra_deal_columns_are_kept_for_plan_filters(valid: Path):
    write(valid, {"deals.csv": "deal_id,rep_id,close_date,amount,segment\nD1,R1,2027-01-01,5,SMB\n"})
    assert load_data(valid).deals["segment"].tolist() == ["SMB"]


def test_hidden_and_lock_files_are_ignored(valid: Path):
    write(valid, {"~$data.xlsx": b"lock", ".deals.csv.swp": b"swap"})
    assert len(load_data(valid).deals) == 4


def test_a_named_index_is_a_column(tmp_path: Path):
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "role": ["AE", "AM"]}).set_index("rep_id")
    reps.to_parquet(tmp_path / "reps.parquet")  # with its index
    assert load_data(tmp_path).reps["rep_id"].tolist() == ["R1", "R2"]
    assert load_data({"reps": reps}).reps["rep_id"].tolist() == ["R1", "R2"]
