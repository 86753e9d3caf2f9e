"""Write a simulation's tables to a folder: CSV, Parquet or one XLSX workbook, and summary.json.

The folder appears whole or not at all (``comp_sim.output.write_folder_atomic``), text cells a
spreadsheet would run as a formula are escaped (``comp_sim.output.escape_frame``, which also
writes control characters out in a workbook), and every float is written as the shortest text
that reads back as the same float, so payout rows still sum to their statement.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from comp_sim.errors import Issue, UsageError
from comp_sim.output import FORMATS, Format, escape_frame, exact_xlsx_numbers, write_folder_atomic

if TYPE_CHECKING:
    from comp_sim.report.compare import Comparison
    from comp_sim.report.simulation import Simulation

XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
WORKBOOK = "comp_sim_results.xlsx"


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
        if len(comparison.coverage):  # reps one plan or program covers and another does not
            tables["coverage"] = comparison.coverage

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
        escape_frame(frame).to_csv(path, index=False)
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
    with exact_xlsx_numbers(), pd.ExcelWriter(path, engine="openpyxl") as writer:
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


PERCENT_COLUMNS = ("attainment", "payout_pct_ti", "cost_of_sales", "share_at_or_above_quota", "overlay_share",
                   "delta_pct_ti", "payout_pct_ti_mean", "payout_pct_ti_p10", "payout_pct_ti_p50",
                   "payout_pct_ti_p90", "fraction")
RATIO_COLUMNS = ("value", "multiplier", "pay_for_performance")
COUNT_COLUMNS = ("trial", "trials", "reps", "winners", "losers", "common_reps")


def _sheet(writer: pd.ExcelWriter, name: str, frame: pd.DataFrame, money: str) -> None:
    escape_frame(frame, xlsx=True).to_excel(writer, sheet_name=name, index=False)
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
