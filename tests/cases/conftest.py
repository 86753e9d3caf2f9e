"""Collect ``tests/cases/*.yaml`` as acceptance tests a finance user can read (OpenFisca-style).

Each file is a list of cases: a ``plan`` (keys default to a minimal plan starting 2027-01 with
role AE at a TI of 10,000), ``reps``, ``quotas``, ``deals``, ``forecasts``, ``mbo`` and what is
expected, per rep:

- ``{component: total}`` or ``{component: {period: amount}}`` for what is paid;
- ``{component: {period: {column: figure, ...}}}`` for any payout column of that line
  (``amount``, ``value``, ``fraction``, ``multiplier``, ``capped``);
- ``capped: total`` or ``capped: {component: total | {period: amount}}`` for what the cap cut;
- ``statement: {field: figure, ...}`` for the rep's statement row (``payout``, ``bookings``,
  ``quota``, ``attainment``, ``payout_pct_ti``, ``prorated_ti``, ``capped``, ``draw_outstanding``, ...).

A draw's lines are the components ``draw`` and ``draw_recovery``, by draw period. Beside
``expect``, a case may give ``summary: {field: figure, ...}`` for the plan's summary
(``total_payout``, ``total_bookings``, ``overlay_bookings``, ``overlay_share``, ``cost_of_sales``, ...).

A case may instead expect ``raises: {error: DataError, match: "text in the message"}``.
Amounts match to half a cent. A failure reads
``file / Test 'name' / rep R1 component revenue period 2027-Q2: expected X, got Y``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

from comp_sim import errors
from comp_sim.api import simulate
from comp_sim.data.dataset import Dataset

CENT = 0.005
DEFAULT_PLAN = {"plan": "Acceptance case", "id": "case", "start": "2027-01",
                "roles": {"AE": {"target_incentive": 10000}}}
CASE_KEYS = {"name", "plan", "reps", "quotas", "deals", "forecasts", "mbo", "expect", "raises", "summary"}


def pytest_collect_file(parent, file_path: Path):
    if file_path.suffix == ".yaml" and file_path.parent == Path(__file__).parent:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        cases = YAML(typ="safe").load(self.path.read_text())
        if not isinstance(cases, list):
            raise CaseFormatError(f"{self.path.name}: a case file is a list of cases")
        for index, case in enumerate(cases):
            unknown = set(case) - CASE_KEYS
            if unknown or "name" not in case or ("expect" in case) == ("raises" in case):
                raise CaseFormatError(f"{self.path.name}: case {index + 1} needs a name and one of "
                                      f"expect or raises (unknown keys: {sorted(unknown)})")
            yield CaseItem.from_parent(self, name=case["name"], case=case)


class CaseFormatError(Exception):
    """A case file that does not follow the format above."""


class CaseMismatch(AssertionError):
    """One or more expected amounts that the run did not pay."""


class CaseItem(pytest.Item):
    def __init__(self, *, case: dict, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        case = self.case
        plan = {**DEFAULT_PLAN, **case.get("plan", {})}
        data = dataset_of(case)
        if "raises" in case:
            error = getattr(errors, case["raises"]["error"])
            with pytest.raises(error, match=case["raises"].get("match", "")):
                simulate([plan], data)
            return
        sim = simulate([plan], data)
        problems = list(mismatches(sim.payouts, case["expect"], sim.statements))
        summary = sim.summary_dict()["plans"][plan["id"]]
        for field, figure in case.get("summary", {}).items():
            problems += list(_compare(f"summary {field}", figure, summary.get(field)))
        if problems:
            raise CaseMismatch("\n".join(f"{self.path.name} / Test '{self.name}' / {p}" for p in problems))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseMismatch):
            return str(excinfo.value)
        return f"{self.path.name} / Test '{self.name}' / {excinfo.exconly()}"

    def reportinfo(self):
        return self.path, None, f"{self.path.name} / Test '{self.name}'"


def dataset_of(case: dict) -> Dataset:
    def frame(key: str, columns: list[str]) -> pd.DataFrame:
        rows = case.get(key) or []
        return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)

    return Dataset.from_frames(
        frame("reps", ["rep_id", "role"]),
        deals=frame("deals", ["deal_id", "rep_id", "close_date", "amount"]),
        quotas=frame("quotas", ["rep_id", "period", "target"]),
        forecasts=frame("forecasts", ["rep_id", "period", "forecast"]),
        mbo=frame("mbo", ["rep_id", "period", "score"]),
        source=f"case {case['name']}",
    )


def mismatches(payouts: pd.DataFrame, expect: dict, statements: pd.DataFrame):
    """Each expected figure that the payouts or statements table does not show, as a readable line."""
    for rep_id, per_rep in expect.items():
        rows = payouts[payouts["rep_id"] == str(rep_id)]
        if rows.empty:
            yield f"rep {rep_id}: not covered by the plan (no payout rows)"
            continue
        for component, wanted in per_rep.items():
            if component == "capped":
                yield from _check_capped(rep_id, rows, wanted)
            elif component == "statement":
                yield from _check_statement(rep_id, statements[statements["rep_id"] == str(rep_id)], wanted)
            else:
                yield from _check(rep_id, rows, component, wanted, "amount")


def _check_statement(rep_id, row: pd.DataFrame, wanted: dict):
    for field, figure in wanted.items():
        if field not in row:
            yield f"rep {rep_id} statement {field}: no such field (fields: {', '.join(row.columns)})"
        else:
            yield from _compare(f"rep {rep_id} statement {field}", figure, row[field].iloc[0])


def _check_capped(rep_id, rows: pd.DataFrame, wanted):
    if isinstance(wanted, dict):
        for component, figure in wanted.items():
            yield from _check(rep_id, rows, component, figure, "capped")
    else:
        yield from _compare(f"rep {rep_id} capped in all", wanted, rows["capped"].sum())


def _check(rep_id, rows: pd.DataFrame, component: str, wanted, column: str):
    mine = rows[rows["component"] == component]
    what = "capped" if column == "capped" else "component"
    if mine.empty:
        yield f"rep {rep_id} {what} {component}: no such component in the run"
        return
    if not isinstance(wanted, dict):
        yield from _compare(f"rep {rep_id} {what} {component}", wanted, mine[column].sum())
        return
    for period, figure in wanted.items():
        at = mine[mine["period"] == str(period)]
        if at.empty:
            yield (f"rep {rep_id} {what} {component} period {period}: no such period "
                   f"(periods: {', '.join(mine['period'])})")
            continue
        columns = figure if isinstance(figure, dict) else {column: figure}
        for name, expected in columns.items():
            if name not in at:
                yield f"rep {rep_id} {what} {component} period {period}: no column {name}"
                continue
            label = f"rep {rep_id} {what} {component} period {period}" + ("" if name == column else f" {name}")
            yield from _compare(label, expected, at[name].sum(min_count=1))


def _compare(where: str, expected, got: float):
    """Money matches to half a cent; a metric, fraction or multiplier (|figure| < 10) to 1e-6."""
    if expected is None or pd.isna(got):
        if not (expected is None and pd.isna(got)):
            yield f"{where}: expected {expected}, got {got}"
        return
    money = abs(float(expected)) >= 10
    if abs(float(expected) - float(got)) > (CENT if money else 1e-6):
        shown = ",.2f" if money else ".9g"
        yield f"{where}: expected {float(expected):{shown}}, got {float(got):{shown}}"
