"""Every kind of bad data is refused with the file, line, column (as the file names it), the
value and the rule; nothing is returned. Each case breaks one thing in the valid folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from comp_sim.data.loader import load_data
from comp_sim.errors import DataError
from data_files import VALID, write

DATE = "must be a date written YYYY-MM-DD, from 1900 to 2200"
PERIOD = "must be a period written 2027-03, 2027-Q1, 2027-H1 or 2027"
REPS = "rep_id,name,role,region,hire_date,end_date,base_salary,target_incentive\n"
DEALS = "deal_id,rep_id,close_date,amount,product,account_id,discount,split\n"


def deals(*rows: str) -> str:
    return DEALS + "".join(row + "\n" for row in rows)


def reps(*rows: str) -> str:
    return REPS + "".join(row + "\n" for row in rows)


R1 = "R1,Ann Lee,AE,NA,2026-01-01,,90000,60000"
R2 = "R2,Bob Ray,AE,EU,2027-03-01,2027-10-31,85000,"
D1 = "D1,R1,2027-01-15,1000,Platform,A1,0.1,1"

# (case id, files written over the valid folder, lines the error must hold; {d} is the folder)
CASES = [
    ("missing column", {"deals.csv": "deal_id,rep_id,close_date,product\nD1,R1,2027-01-15,Core\n"},
     ["{d}/deals.csv:1: missing required column(s) amount (the file has: deal_id, rep_id, close_date, product)"]),
    ("semicolon separated", {"forecasts.csv": "rep_id;period;forecast\nR1;2027-Q1;5\n"},
     ["{d}/forecasts.csv: the header is separated by ';', not by commas (as Excel saves CSV in many European "
      "locales, where 1.234,50 is a number): save it as \"CSV UTF-8 (Comma delimited)\" with numbers written 1234.50"]),
    ("bad close date", {"deals.csv": deals(D1, "D2,R1,2027-02-30,5,Core,A2,0,1")},
     [f"{{d}}/deals.csv:3: close_date: {DATE} (got '2027-02-30')"]),
    ("hire date not ISO", {"reps.csv": reps(R1, "R2,Bob Ray,AE,EU,03/01/2027,,85000,")},
     [f"{{d}}/reps.csv:3: hire_date: {DATE} (got '03/01/2027')"]),
    ("end before hire", {"reps.csv": reps(R1, "R2,Bob Ray,AE,EU,2027-03-01,2027-02-28,85000,")},
     ["{d}/reps.csv:3: end_date: is before hire_date 2027-03-01 (got '2027-02-28')"]),
    ("amount not a number", {"deals.csv": deals(D1, 'D2,R1,2027-02-03,"1,000",Core,A2,0,1')},
     ["{d}/deals.csv:3: amount: must be a number (got '1,000')"]),
    ("negative split", {"deals.csv": deals(D1, "D2,R1,2027-02-03,5,Core,A2,0,-0.5")},
     ["{d}/deals.csv:3: split: must be within 0..1 (got -0.5)"]),
    ("discount above 1", {"deals.csv": deals("D1,R1,2027-01-15,1000,Platform,A1,1.5,1")},
     ["{d}/deals.csv:2: discount: must be within 0..1 (got 1.5)"]),
    ("splits sum above 1", {"deals.csv": deals(D1, "D2,R1,2027-02-03,5,Core,A2,0,0.7", "D2,R2,2027-02-03,5,Core,A2,0,0.4")},
     ["{d}/deals.csv:3: split: the splits of deal 'D2' sum to 1.1; a deal's splits sum to at most 1"]),
    ("credit type unknown", {"deals.csv": DEALS.strip() + ",credit_type\n" + D1 + ",revenue\nD2,R2,2027-02-03,5,Core,A2,0,1,assist\n"},
     ["{d}/deals.csv:3: credit_type: must be revenue or overlay (got 'assist')"]),
    ("overlay credits do not lift a split over 1", {"deals.csv": DEALS.strip() + ",credit_type\n"
                                                     "D2,R1,2027-02-03,5,Core,A2,0,1,revenue\n"
                                                     "D2,R2,2027-02-03,5,Core,A2,0,1,overlay\n"
                                                     "D3,R1,2027-02-03,5,Core,A3,0,0.6,Revenue\n"
                                                     "D3,R2,2027-02-03,5,Core,A3,0,0.6,\n"},
     ["{d}/deals.csv:4: split: the splits of deal 'D3' sum to 1.2; a deal's splits sum to at most 1"]),
    ("manager unknown", {"reps.csv": "rep_id,role,manager_id\nR1,AE,M9\nR2,AE,R1\n"},
     ["{d}/reps.csv:2: manager_id: is not a rep of {d}/reps.csv (got 'M9')"]),
    ("manager is the rep", {"reps.csv": "rep_id,role,manager_id\nR1,AE,R1\nR2,AE,\n"},
     ["{d}/reps.csv:2: manager_id: is the rep's own rep_id: a rep cannot manage themself (got 'R1')"]),
    ("managers in a cycle", {"reps.csv": "rep_id,role,manager_id\nR1,AE,M1\nM1,Manager,M2\nM2,Director,M1\nR2,AE,M1\n"},
     ["{d}/reps.csv:3: manager_id: managers form a cycle: M1 -> M2 -> M1 (got 'M2')",
      "{d}/reps.csv:4: manager_id: managers form a cycle: M2 -> M1 -> M2 (got 'M1')"]),
    ("deal and rep twice", {"deals.csv": deals(D1, "D2,R1,2027-02-03,5,Core,A2,0,0.5", "D2,R1,2027-02-03,5,Core,A2,0,0.5")},
     ["{d}/deals.csv:4: deal_id: repeats the deal and rep of line 3 (got 'D2')"]),
    ("deal of unknown rep", {"deals.csv": deals(D1, "D2,R9,2027-02-03,5,Core,A2,0,1")},
     ["{d}/deals.csv:3: rep_id: is not a rep of {d}/reps.csv (got 'R9')"]),
    ("quota of unknown rep", {"quotas.csv": "rep_id,period,target\nR1,2027,5\nr1,2027,5\n"},
     ["{d}/quotas.csv:3: rep_id: is not a rep of {d}/reps.csv (got 'r1')"]),
    ("forecast of unknown rep", {"forecasts.csv": "rep_id,period,forecast\nX1,2027-Q1,5\n"},
     ["{d}/forecasts.csv:2: rep_id: is not a rep of {d}/reps.csv (got 'X1')"]),
    ("mbo of unknown rep", {"mbo.csv": "rep_id,period,score\nR1,2027,1\n7,2027,1\n"},
     ["{d}/mbo.csv:3: rep_id: is not a rep of {d}/reps.csv (got '7')"]),
    ("rep id twice", {"reps.csv": reps(R1, R2, "R1,Ann Again,AE,NA,2026-01-01,,1,1")},
     ["{d}/reps.csv:4: rep_id: repeats the rep_id of line 2 (got 'R1')"]),
    ("empty role", {"reps.csv": reps(R1, "R2,Bob Ray,,EU,2027-03-01,,85000,")},
     ["{d}/reps.csv:3: role: is empty; the column is required"]),
    ("empty deal id", {"deals.csv": deals(D1, ",R1,2027-02-03,5,Core,A2,0,1")},
     ["{d}/deals.csv:3: deal_id: is empty; the column is required"]),
    ("quota target zero", {"quotas.csv": "rep_id,period,target\nR1,2027,0\n"},
     ["{d}/quotas.csv:2: target: must be above 0 (got 0)"]),
    ("quota period invalid", {"quotas.csv": "rep_id,period,target\nR1,2027-Q5,10\n"},
     [f"{{d}}/quotas.csv:2: period: {PERIOD} (got '2027-Q5')"]),
    ("quota twice", {"quotas.csv": "rep_id,period,metric,target\nR1,2027-Q1,bookings,10\nR2,2027-Q1,,10\nR1,2027-q1,,12\n"},
     ["{d}/quotas.csv:4: period: repeats the quota of line 2 (same rep, period and metric) (got '2027-q1')"]),
    ("quota periods overlap", {"quotas.csv": "rep_id,period,metric,target\nR1,2027-Q2,bookings,10\nR1,2027-Q2,new_logos,1\n"
                                             "R2,2027,,10\nR1,2027,,40\nR1,2027-05,new_logos,1\n"},
     ["{d}/quotas.csv:5: period: overlaps 2027-Q2 on line 2 (same rep and metric): a month's quota would count twice (got '2027')",
      "{d}/quotas.csv:6: period: overlaps 2027-Q2 on line 3 (same rep and metric): a month's quota would count twice (got '2027-05')"]),
    ("forecast negative", {"forecasts.csv": "rep_id,period,forecast\nR1,2027-Q1,-5\n"},
     ["{d}/forecasts.csv:2: forecast: must be 0 or more (got -5)"]),
    ("forecast twice", {"forecasts.csv": "rep_id,period,forecast\nR1,2027-Q1,5\nR1,2027-Q1,6\n"},
     ["{d}/forecasts.csv:3: period: repeats the forecast of line 2 (same rep and period) (got '2027-Q1')"]),
    ("mbo score not a number", {"mbo.csv": "rep_id,period,score\nR1,2027-H1,high\n"},
     ["{d}/mbo.csv:2: score: must be a number (got 'high')"]),
    ("mbo period invalid", {"mbo.csv": "rep_id,period,score\nR1,H1-2027,1\n"},
     [f"{{d}}/mbo.csv:2: period: {PERIOD} (got 'H1-2027')"]),
    ("new_logo not a flag", {"deals.csv": "deal_id,rep_id,close_date,amount,new_logo\nD1,R1,2027-01-15,5,yes\nD2,R1,2027-01-15,5,maybe\n"},
     ["{d}/deals.csv:3: new_logo: must be true or false (or yes/no, 1/0) (got 'maybe')"]),
    ("negative base salary", {"reps.csv": reps(R1, "R2,Bob Ray,AE,EU,2027-03-01,,-85000,")},
     ["{d}/reps.csv:3: base_salary: must be 0 or more (got -85000)"]),
    ("target incentive as words", {"reps.csv": reps(R1, "R2,Bob Ray,AE,EU,2027-03-01,,85000,sixty")},
     ["{d}/reps.csv:3: target_incentive: must be a number (got 'sixty')"]),
    ("empty file", {"reps.csv": ""},
     ["{d}/reps.csv: the file is empty: it needs a header row naming the columns (at least rep_id, role)"]),
    ("no reps rows", {"reps.csv": REPS},
     ["{d}/reps.csv: the reps table has no rows: at least one rep is needed"]),
    ("ragged CSV row", {"deals.csv": deals(D1, "D2,R1,2027-02-03,5,Core,A2,0,1,extra")},
     ["{d}/deals.csv: cannot read as CSV: CSV parse error: Expected 8 columns, got 9: D2,R1,2027-02-03,5,Core,A2,0,1,extra"]),
    ("corrupt Parquet", {"deals.csv": None, "deals.parquet": b"PAR1 this is not parquet"},
     ["{d}/deals.parquet: cannot read as a Parquet file: "]),
    ("corrupt workbook", {"quotas.csv": None, "quotas.xlsx": b"PK\x03\x04 truncated zip"},
     ["{d}/quotas.xlsx: cannot read as an .xlsx workbook: "]),
    ("unknown file type", {"deals.csv": None, "deals.txt": deals(D1)},
     ["{d}/deals.txt: unknown file type '.txt' for the deals table: use .csv, .parquet or .xlsx"]),
    ("two files for a table", {"deals.parquet": pd.DataFrame({"deal_id": ["D1"]})},
     ["{d}/deals.csv: the deals table is given 2 times: {d}/deals.csv, {d}/deals.parquet; keep one"]),
    ("workbook sheet misnamed", {"mbo.csv": None, "book.xlsx": {"MBOs": pd.DataFrame({"rep_id": ["R1"]})}},
     ["{d}/book.xlsx: no sheet of this workbook is named like a table (reps, quotas, deals, forecasts, mbo); "
      "did you mean 'mbo' for sheet 'MBOs'? (sheets: MBOs)"]),
    ("table workbook without its sheet", {"quotas.csv": None, "quotas.xlsx": {"Q1": pd.DataFrame(), "Q2": pd.DataFrame()}},
     ["{d}/quotas.xlsx: no sheet named 'quotas' in this workbook (sheets: Q1, Q2)"]),
    ("empty sheet", {"quotas.csv": None, "quotas.xlsx": {"quotas": pd.DataFrame()}},
     ["{d}/quotas.xlsx: sheet 'quotas' is empty: it needs a header row naming the columns (at least rep_id, period, target)"]),
    ("no reps table", {"reps.csv": None},
     ["{d}: no reps table: it is required, as reps.csv, reps.parquet, reps.xlsx or a 'reps' sheet of a workbook "
      "(found: deals.csv, forecasts.csv, mbo.csv, quotas.csv)"]),
    ("header names a column twice", {"mbo.csv": "rep_id,period,score,score\nR1,2027,1,2\n"},
     ["{d}/mbo.csv:1: the header names column(s) 'score' more than once, and the table reads it: rename one of them"]),
    ("not UTF-8", {"reps.csv": reps(R1, "R2,Bj\xf6rn,AE,EU,2027-03-01,,1,1").encode("latin-1")},
     ['{d}/reps.csv: cannot read as CSV: the file is not UTF-8 text (save it as "CSV UTF-8")']),
]


@pytest.mark.parametrize("files, expected", [pytest.param(f, e, id=i) for i, f, e in CASES])
def test_bad_data_names_file_line_column_value_and_rule(tmp_path: Path, files, expected):
    folder = write(write(tmp_path / "data", VALID), files)
    with pytest.raises(DataError) as caught:
        load_data(folder)
    message = str(caught.value)
    for line in expected:
        assert line.format(d=folder) in message


def test_there_are_at_least_25_distinct_cases():
    assert len({case_id for case_id, _, _ in CASES}) >= 25


def test_a_folder_that_does_not_exist(tmp_path: Path):
    missing = tmp_path / "nope"
    with pytest.raises(DataError, match=rf"^{missing}: no such folder: give a folder of data files"):
        load_data(missing)


def test_every_problem_is_reported_at_once_in_file_and_line_order(tmp_path: Path):
    folder = write(write(tmp_path / "data", VALID), {
        "reps.csv": reps(R1, "R2,Bob Ray,,EU,2027-03-01,,85000,", "007,Jo Park,Hunter,EU,2025-06-01,,1,1"),
        "deals.csv": deals("D1,R9,2027-01-15,x,Platform,A1,2,1", "D2,R1,2027-02-30,5,Core,A2,0,1"),
    })
    with pytest.raises(DataError) as caught:
        load_data(folder)
    assert str(caught.value).splitlines() == [
        f"{folder}/reps.csv:3: role: is empty; the column is required",
        f"{folder}/deals.csv:2: amount: must be a number (got 'x')",
        f"{folder}/deals.csv:2: discount: must be within 0..1 (got 2)",
        f"{folder}/deals.csv:2: rep_id: is not a rep of {folder}/reps.csv (got 'R9')",
        f"{folder}/deals.csv:3: close_date: {DATE} (got '2027-02-30')",
    ]


def test_the_first_50_problems_then_a_count(tmp_path: Path):
    rows = [f"D{i},R1,2027-01-15,n/a,Core,A{i},0,1" for i in range(120)]
    folder = write(write(tmp_path / "data", VALID), {"deals.csv": deals(*rows)})
    with pytest.raises(DataError) as caught:
        load_data(folder)
    lines = str(caught.value).splitlines()
    assert len(lines) == 51
    assert lines[0] == f"{folder}/deals.csv:2: amount: must be a number (got 'n/a')"
    assert lines[49] == f"{folder}/deals.csv:51: amount: must be a number (got 'n/a')"
    assert lines[50] == "... and 70 more data error(s)"


def test_blank_lines_keep_line_numbers_right(tmp_path: Path):
    folder = write(write(tmp_path / "data", VALID), {"deals.csv": DEALS + D1 + "\n\n\nD2,R1,2027-02-03,-,Core,A2,0,1\n"})
    with pytest.raises(DataError, match=rf"^{folder}/deals.csv:5: amount: must be a number \(got '-'\)$"):
        load_data(folder)


def test_line_breaks_inside_quoted_cells_keep_line_numbers_right(tmp_path: Path):
    text = ("deal_id,rep_id,close_date,amount,notes\n"
            'D1,R1,2027-01-15,5,"two\nlines"\n'
            'D2,R1,2027-01-16,5,"three\r\nlines\nhere"\n'
            "D3,R1,2027-01-17,oops,\n")
    folder = write(write(tmp_path / "data", VALID), {"deals.csv": text})
    with pytest.raises(DataError, match=rf"^{folder}/deals.csv:7: amount: must be a number \(got 'oops'\)$"):
        load_data(folder)


def test_spreadsheet_rows_are_the_lines(tmp_path: Path):
    frame = pd.DataFrame({"rep_id": ["R1", None, "R2"], "period": ["2027", None, "2027-13"], "target": [5, None, 6]})
    folder = write(write(tmp_path / "data", VALID), {"quotas.csv": None, "quotas.xlsx": frame})
    with pytest.raises(DataError, match=rf"^{folder}/quotas.xlsx:4: period: {PERIOD} \(got '2027-13'\)$"):
        load_data(folder)


def test_parquet_rows_count_from_1(tmp_path: Path):
    frame = pd.DataFrame({"rep_id": ["R1", "R1"], "period": ["2027-Q1", "2027-Q2"], "forecast": [1.0, -2.0]})
    folder = write(write(tmp_path / "data", VALID), {"forecasts.csv": None, "forecasts.parquet": frame})
    with pytest.raises(DataError, match=rf"^{folder}/forecasts.parquet:2: forecast: must be 0 or more \(got -2.0\)$"):
        load_data(folder)


def test_a_split_out_of_range_is_not_also_reported_as_a_sum(tmp_path: Path):
    folder = write(write(tmp_path / "data", VALID), {"deals.csv": deals("D1,R1,2027-01-15,5,Core,A1,0,1.5")})
    with pytest.raises(DataError) as caught:
        load_data(folder)
    assert str(caught.value) == f"{folder}/deals.csv:2: split: must be within 0..1 (got 1.5)"


def test_unknown_table_in_a_dict(tmp_path: Path):
    write(tmp_path, {"reps.csv": VALID["reps.csv"]})
    with pytest.raises(DataError, match=r"^deal: unknown table 'deal'; did you mean 'deals'\?"):
        load_data({"reps": tmp_path / "reps.csv", "deal": tmp_path / "deals.csv"})


def test_data_frames_name_the_table_in_errors():
    frames = {"reps": pd.DataFrame({"rep_id": ["R1"], "role": ["AE"]}),
              "deals": pd.DataFrame({"deal_id": ["D1"], "rep_id": ["R1"], "close_date": ["2027-01-01"], "amount": ["?"]})}
    with pytest.raises(DataError, match=r"^<deals>:1: amount: must be a number \(got '\?'\)$"):
        load_data(frames)
