"""Write a dataset as the data files ``load_data`` reads back: a folder that appears whole or not
at all, of ``reps.csv`` ... ``mbo.csv`` (or Parquet, or one workbook with a sheet per table)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from comp_sim.data.dataset import TABLES, Dataset
from comp_sim.errors import Issue, UsageError
from comp_sim.output import FORMATS, escape_frame, exact_xlsx_numbers, write_folder_atomic


def write_dataset(dataset: Dataset, out_dir: Path | str, fmt: str = "csv", force: bool = False) -> list[Path]:
    """Write the five data files (``reps.csv`` ... ``mbo.csv``, or Parquet, or one workbook with a
    sheet per table) into a folder that appears whole or not at all; returns the files."""
    if fmt not in FORMATS:
        raise UsageError(Issue(f"the format is one of {', '.join(FORMATS)}", path="format", value=fmt))
    out_dir = Path(out_dir)
    tables = {name: _for_file(name, getattr(dataset, name)) for name in TABLES}

    def fill(folder: Path) -> None:
        if fmt == "xlsx":
            with exact_xlsx_numbers(), pd.ExcelWriter(folder / "data.xlsx", engine="openpyxl") as writer:
                for name, frame in tables.items():
                    escape_frame(frame, xlsx=True).to_excel(writer, sheet_name=name, index=False)
        elif fmt == "csv":
            for name, frame in tables.items():
                escape_frame(frame).to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        else:
            for name, frame in tables.items():
                frame.to_parquet(folder / f"{name}.parquet", index=False)

    write_folder_atomic(out_dir, force, fill)
    return sorted(out_dir.iterdir())


def _for_file(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as written: dates as YYYY-MM-DD text, empty columns left out."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").astype(object).where(out[column].notna(), None)
        elif pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    keep = [c for c in out.columns if out[c].notna().any() or c in ("end_date",)]
    return out[keep]
