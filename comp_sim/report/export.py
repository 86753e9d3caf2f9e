"""Write a simulation's tables to a folder: CSV, Parquet or one XLSX workbook, and summary.json.

The folder appears whole or not at all: everything is written to a temporary folder beside it,
which is then renamed into place. Text cells that a spreadsheet would run as a formula (they
start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
apostrophe, so a rep name or a product from a CRM export can never execute.

>>> escape_formula("=HYPERLINK(...)"), escape_formula("-5% deal"), escape_formula("Acme")
("'=HYPERLINK(...)", "'-5% deal", 'Acme')
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from comp_sim.errors import Issue, UsageError

if TYPE_CHECKING:
    from comp_sim.api import Comparison, Simulation

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
WORKBOOK = "comp_sim_results.xlsx"


def escape_formula(value: object) -> object:
    """Text that a spreadsheet would read as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell escaped (numbers are left as numbers), a column at a time.

    >>> escape_frame(pd.DataFrame({"name": ["=1+1", "Ann", "@SUM(A1)"], "n": [1, 2, 3]}))["name"].tolist()
    ["'=1+1", 'Ann', "'@SUM(A1)"]
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        try:
            formula = values.str.startswith(FORMULA_STARTS, na=False).astype(bool)
        except AttributeError:  # an object column without text
            continue
        if formula.any():
            out[column] = values.where(~formula, "'" + values[formula].astype(str)).astype(values.dtype)
    return out


def check_output_folder(out_dir: Path, force: bool) -> None:
    """Refuse a non-empty existing folder unless ``force``, a file in its place, and a place that
    cannot be written to, before any work is done."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(Issue("the output must be a folder, and a file has that name", source=str(out_dir)))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise UsageError(Issue("the output folder is not empty; choose another or pass --force to replace it",
                               source=str(out_dir)))
    _check_writable(out_dir)


def check_output_file(path: Path, force: bool) -> None:
    """Refuse an existing file unless ``force``, a folder in its place, and a place that cannot
    be written to."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(Issue("the output must be a file, and a folder has that name", source=str(path)))
    if path.exists() and not force:
        raise UsageError(Issue("the output file exists; choose another or pass --force to replace it",
                               source=str(path)))
    _check_writable(path)


def _check_writable(path: Path) -> None:
    """The nearest existing folder above ``path`` must be a folder we may write in."""
    existing = path.resolve().parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(Issue(f"cannot write the output here: {existing} is a file, not a folder", source=str(path)))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(Issue(f"cannot write the output here: no permission to write in {existing}",
                               source=str(path)))


def write_folder_atomic(out_dir: Path, force: bool, fill: Callable[[Path], None]) -> None:
    """Run ``fill(tmp)`` to write into a fresh temporary folder, then put it in place of ``out_dir``."""
    out_dir = Path(out_dir)
    check_output_folder(out_dir, force)
    parent = out_dir.resolve().parent
    tmp = parent / f".{out_dir.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()  # with the user's umask, unlike mkdtemp's 0700: others may read the results
    except OSError as exc:
        raise UsageError(Issue(f"cannot write the output here: {exc.strerror or exc}", source=str(out_dir))) from None
    try:
        fill(tmp)
        old = None
        if out_dir.exists():
            old = parent / f".{out_dir.name}.old-{os.getpid()}"
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(Issue(f"cannot write the output here: {exc.strerror or exc}", source=str(out_dir))) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_results(simulation: Simulation, out_dir: Path | str, *, fmt: Format = "csv", force: bool = False,
                  comparison: Comparison | None = None) -> list[Path]:
    """Write payouts, statements (and the comparison) in ``fmt`` plus summary.json; returns the files."""
    if fmt not in FORMATS:
        raise UsageError(Issue(f"the format is one of {', '.join(FORMATS)}", path="format", value=fmt))
    out_dir = Path(out_dir)
    tables = {"payouts": simulation.payouts, "statements": simulation.statements}
    if comparison is not None:
        tables["winners_losers"] = comparison.reps
        tables["comparison"] = comparison.plans

    def fill(folder: Path) -> None:
        if fmt == "xlsx":
            write_workbook(folder / WORKBOOK, simulation, comparison)
        else:
            for name, frame in tables.items():
                _write_table(frame, folder / f"{name}.{fmt}", fmt)
        (folder / "summary.json").write_text(simulation.summary_json(), encoding="utf-8")

    write_folder_atomic(out_dir, force, fill)
    return sorted(out_dir.iterdir())


def _write_table(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        escape_frame(frame).to_csv(path, index=False, float_format="%.10g")
    else:
        frame.to_parquet(path, index=False)


def write_workbook(path: Path, simulation: Simulation, comparison: Comparison | None) -> None:
    """One workbook a finance user opens directly: summary, comparison, statements per plan,
    payouts; money formatted in the plan currency, shares as percentages, an About sheet last.

    Over Monte-Carlo trials the Payouts sheet holds trial 0 only (a spreadsheet of a million
    rows helps nobody); the csv and parquet formats hold every trial kept in detail."""
    currencies = {plan.currency for plan in simulation.plans}
    money = f'#,##0.00 "{currencies.pop()}"' if len(currencies) == 1 else "#,##0.00"
    payouts = simulation.payouts
    if simulation.trials > 1:
        payouts = payouts[payouts["trial"] == 0]
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        _sheet(writer, "Summary", simulation.summary, money)
        if comparison is not None:
            _sheet(writer, "Comparison", comparison.plans, money)
            _sheet(writer, "Winners and losers", comparison.reps, money)
        statements = simulation.statements
        names: set[str] = set()
        for plan_id in statements["plan"].unique():
            rows = statements[statements["plan"] == plan_id].dropna(axis=1, how="all")
            _sheet(writer, _sheet_name(f"Statements {plan_id}", names), rows, money)
        _sheet(writer, "Payouts", payouts.iloc[:XLSX_MAX_ROWS], money)
        _sheet(writer, "About", _about(simulation, len(payouts) > XLSX_MAX_ROWS), money)


def _sheet_name(name: str, taken: set[str]) -> str:
    """A sheet name within Excel's 31 characters, made unique by a number when plan ids share
    their first characters."""
    candidate, number = name[:31], 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = name[:31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _about(simulation: Simulation, truncated: bool) -> pd.DataFrame:
    """What the workbook holds and how it was made, for whoever opens it later."""
    payouts = "one row per plan, rep, period and component"
    if simulation.trials > 1:
        payouts += f" for trial 0 of {simulation.trials} (the csv and parquet formats hold every trial)"
    if truncated:
        payouts += f"; cut to the first {XLSX_MAX_ROWS:,} rows"
    rows = [
        ("data", simulation.data_label),
        ("trials", str(simulation.trials)),
        ("seed", "" if simulation.seed is None else str(simulation.seed)),
        ("plans", ", ".join(f"{p.id} ({p.plan}, {p.currency})" for p in simulation.plans)),
        ("Summary", "one row per plan: cost, cost of sales, payout % of TI, share at quota, cost percentiles"),
        ("Comparison", "plans against the baseline, with winners and losers counts"),
        ("Statements", "one sheet per plan, one row per rep: plan-year totals (means over trials)"),
        ("Payouts", payouts),
        *(("note", note) for note in simulation.notes),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


PERCENT_COLUMNS = ("attainment", "payout_pct_ti", "cost_of_sales", "share_at_or_above_quota",
                   "delta_pct_ti", "payout_pct_ti_mean", "payout_pct_ti_p10", "payout_pct_ti_p50",
                   "payout_pct_ti_p90", "fraction")
RATIO_COLUMNS = ("value", "multiplier", "pay_for_performance")
COUNT_COLUMNS = ("trial", "trials", "reps", "winners", "losers", "common_reps")


def _sheet(writer: pd.ExcelWriter, name: str, frame: pd.DataFrame, money: str) -> None:
    escape_frame(frame).to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.freeze_panes = "A2"
    for index, column in enumerate(frame.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        number_format = _number_format(column, frame[column], money)
        width = max(len(str(column)), 12)
        sheet.column_dimensions[letter].width = min(width + 2, 40)
        if number_format:
            for cell in sheet[letter][1:]:
                cell.number_format = number_format


def _number_format(column: str, values: pd.Series, money: str) -> str | None:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    if column in PERCENT_COLUMNS:
        return "0.0%"
    if column in RATIO_COLUMNS:
        return "0.0000"
    if column in COUNT_COLUMNS or pd.api.types.is_integer_dtype(values):
        return "0"
    return money
