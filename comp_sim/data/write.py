"""Write a dataset as the data files ``load_data`` reads back: a folder that appears whole or not
at all, of ``reps.csv`` ... ``mbo.csv`` (or Parquet, or one workbook with a sheet per table)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from comp_sim.data.dataset import REQUIRED, TABLES, Dataset
from comp_sim.data.quotas import QuotaSet
from comp_sim.errors import Issue, UsageError
from comp_sim.output import (
    FORMATS,
    check_output_file,
    escape_frame,
    exact_xlsx_numbers,
    write_bytes_atomic,
    write_folder_atomic,
    write_text_atomic,
)


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


def write_quotas(quotas: QuotaSet, path: Path | str, force: bool = False) -> tuple[Path, Path]:
    """Write the quotas table the loader reads (``.csv``, ``.parquet`` or ``.xlsx`` by the file's
    suffix) and its companion note beside it (``quotas.note.md`` for ``quotas.csv``)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(Issue("a quotas file ends in .csv, .parquet or .xlsx", source=str(path)))
    note = path.with_name(f"{path.stem}.note.md")
    check_output_file(path, force)
    check_output_file(note, force)
    table = quotas.quotas
    if fmt == "csv":
        write_text_atomic(path, table.to_csv(index=False, lineterminator="\n"))
    else:
        buffer = io.BytesIO()
        if fmt == "parquet":
            table.to_parquet(buffer, index=False)
        else:
            table.to_excel(buffer, index=False, sheet_name="quotas", engine="openpyxl")
        write_bytes_atomic(path, buffer.getvalue())
    write_text_atomic(note, quotas.note())
    return path, note


def _for_file(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as written: dates as YYYY-MM-DD text, empty columns left out except the required
    ones, so that a table without rows is still a header ``load_data`` reads back as empty."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").astype(object).where(out[column].notna(), None)
        elif pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    keep = [c for c in out.columns if out[c].notna().any() or c in ("end_date", *REQUIRED[name])]
    return out[keep]
