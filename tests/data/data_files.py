"""A small valid data folder (every table, hand-made) that each test writes to its own tmp_path
and breaks or rewrites, and the helper that writes files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "reps.csv": (
        "rep_id,name,role,region,hire_date,end_date,base_salary,target_incentive\n"
        "R1,Ann Lee,AE,NA,2026-01-01,,90000,60000\n"
        "R2,Bob Ray,AE,EU,2027-03-01,2027-10-31,85000,\n"
        "007,Jo Park,Hunter,EU,2025-06-01,,80000,50000\n"
    ),
    "deals.csv": (
        "deal_id,rep_id,close_date,amount,product,account_id,discount,split\n"
        "D1,R1,2027-01-15,1000,Platform,A1,0.1,1\n"
        "D2,R2,2027-04-02,2500.5,Core,A2,0,0.5\n"
        "D2,007,2027-04-02,2500.5,Core,A2,0,0.5\n"
        "D3,R1,2027-05-20,400,Analytics,A1,,\n"
    ),
    "quotas.csv": (
        "rep_id,period,metric,target\n"
        "R1,2027,bookings,100000\n"
        "R2,2027-q2,bookings,30000\n"
        "007,2027-H1,new_logos,2\n"
    ),
    "forecasts.csv": "rep_id,period,forecast\nR1,2027-Q1,20000\nR2,2027-04,0\n",
    "mbo.csv": "rep_id,period,score\nR1,2027-H1,0.8\n007,2027,1\n",
}


def write(folder: Path, files: dict[str, str | bytes | pd.DataFrame | dict | None]) -> Path:
    """Write text, bytes, a DataFrame (as the file's suffix says) or a workbook of
    ``{sheet: DataFrame}`` per file name; None deletes the file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if content is None:
            path.unlink(missing_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, dict):
            with pd.ExcelWriter(path, engine="openpyxl") as book:
                for sheet, frame in content.items():
                    frame.to_excel(book, sheet_name=sheet, index=False)
        elif isinstance(content, pd.DataFrame):
            if path.suffix == ".parquet":
                content.to_parquet(path, index=False)
            else:
                content.to_excel(path, index=False)
        else:
            path.write_text(content, encoding="utf-8")
    return folder
