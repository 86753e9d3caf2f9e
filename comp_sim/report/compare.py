"""Plans or programs side by side, and per rep who wins and who loses against a baseline.

Every "vs baseline" figure compares the same reps: a unit (a plan, or a program of plans for
the whole team) is compared with the baseline over the reps both cover, rep by rep, whichever
plan of each pays them; the reps only one of them covers are counted and listed, never
subtracted as if they were the same people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from comp_sim.report.programs import ProgramResult
from comp_sim.report.tables import program_summary

SAME = 0.005  # a difference under half a cent is no difference


@dataclass
class Comparison:
    """``plans``: one row per plan or program: cost, its change against the baseline over the
    reps both cover, who is only in one of them, winners and losers. ``reps``: one row per rep
    and non-baseline unit, for reps both cover. ``coverage``: the reps only one of them covers."""

    baseline: str
    plans: pd.DataFrame
    reps: pd.DataFrame
    coverage: pd.DataFrame


REP_COLUMNS = ["plan", "baseline", "rep_id", "name", "role", "team", "baseline_plan", "paid_by", "baseline_payout",
               "payout", "delta", "delta_pct_ti", "outcome"]
COVERAGE_COLUMNS = ["plan", "baseline", "rep_id", "role", "covered_by"]


def compare_units(units: list[ProgramResult], baseline: str) -> Comparison:
    base = next(u for u in units if u.id == baseline)
    others = [u for u in units if u is not base]
    reps = pd.concat([_rep_deltas(base, other) for other in others], ignore_index=True) if others else \
        pd.DataFrame(columns=REP_COLUMNS)
    coverage = pd.concat([_coverage(base, other) for other in others], ignore_index=True) if others else \
        pd.DataFrame(columns=COVERAGE_COLUMNS)
    rows = []
    for unit in units:
        summary = program_summary(unit)
        mine = reps[reps["plan"] == unit.id]
        only = coverage[coverage["plan"] == unit.id]
        is_base = unit is base
        rows.append({
            "plan": unit.id,
            "name": unit.name,
            "plans": len(unit.results),
            "reps": summary["reps"],
            "total_payout": summary["total_payout"],
            "common_reps": summary["reps"] if is_base else len(mine),
            "delta_vs_baseline": 0.0 if is_base else (float(mine["delta"].sum()) if len(mine) else np.nan),
            "only_here": 0 if is_base else int((only["covered_by"] == unit.id).sum()),
            "only_in_baseline": 0 if is_base else int((only["covered_by"] == baseline).sum()),
            "cost_of_sales": summary["cost_of_sales"],
            "overlay_share": summary["overlay_share"],
            "payout_pct_ti_p10": summary["payout_pct_ti_p10"],
            "payout_pct_ti_p50": summary["payout_pct_ti_p50"],
            "payout_pct_ti_p90": summary["payout_pct_ti_p90"],
            "share_at_or_above_quota": summary["share_at_or_above_quota"],
            "pay_for_performance": summary["pay_for_performance"],
            "cost_p50": summary["cost_distribution"]["p50"],
            "cost_p95": summary["cost_distribution"]["p95"],
            "cost_p99": summary["cost_distribution"]["p99"],
            "winners": int((mine["outcome"] == "winner").sum()),
            "losers": int((mine["outcome"] == "loser").sum()),
        })
    return Comparison(baseline, pd.DataFrame(rows), reps, coverage)


def _rep_deltas(base: ProgramResult, other: ProgramResult) -> pd.DataFrame:
    """Mean plan-year payout per rep under both, for the reps both cover."""
    base_index = pd.Index(base.rep_ids).get_indexer(other.rep_ids)
    both = base_index >= 0
    other_index, base_index = np.flatnonzero(both), base_index[both]
    reps = other.reps.iloc[other_index].reset_index(drop=True)
    base_pay = base.paid.mean(axis=0)[base_index]
    pay = other.paid.mean(axis=0)[other_index]
    ti = other.cap_basis_ti[other_index]
    delta = pay - base_pay
    with np.errstate(divide="ignore", invalid="ignore"):
        delta_pct_ti = np.where(ti > 0, delta / ti, np.nan)
    outcome = np.where(delta > SAME, "winner", np.where(delta < -SAME, "loser", "same"))
    return pd.DataFrame({
        "plan": other.id, "baseline": base.id,
        "rep_id": reps["rep_id"].to_numpy(), "name": reps["name"].to_numpy(),
        "role": reps["role"].to_numpy(), "team": reps["team"].to_numpy(),
        "baseline_plan": base.reps["plan"].to_numpy()[base_index], "paid_by": reps["plan"].to_numpy(),
        "baseline_payout": base_pay, "payout": pay, "delta": delta,
        "delta_pct_ti": delta_pct_ti, "outcome": outcome,
    }, columns=REP_COLUMNS).sort_values("delta", ascending=False, kind="stable").reset_index(drop=True)


def _coverage(base: ProgramResult, other: ProgramResult) -> pd.DataFrame:
    """The reps one covers and the other does not."""
    mine, theirs = set(other.rep_ids), set(base.rep_ids)
    rows = [(other.id, base.id, r["rep_id"], r["role"], other.id) for r in other.reps.to_dict("records")
            if r["rep_id"] not in theirs]
    rows += [(other.id, base.id, r["rep_id"], r["role"], base.id) for r in base.reps.to_dict("records")
             if r["rep_id"] not in mine]
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
