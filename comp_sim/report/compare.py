"""Plans side by side, and per rep who wins and who loses against a baseline plan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from comp_sim.engine.results import PlanResult
from comp_sim.report.tables import plan_summary

SAME = 0.005  # a difference under half a cent is no difference


@dataclass
class Comparison:
    """``plans``: one row per plan with cost and its deltas against the baseline.
    ``reps``: one row per rep and non-baseline plan, for reps both plans cover."""

    baseline: str
    plans: pd.DataFrame
    reps: pd.DataFrame


def compare_results(results: list[PlanResult], baseline: str) -> Comparison:
    base = next(r for r in results if r.plan.id == baseline)
    rep_frames = [_rep_deltas(base, other) for other in results if other is not base]
    reps = pd.concat(rep_frames, ignore_index=True) if rep_frames else _rep_deltas(base, base).iloc[:0]
    rows = []
    base_cost = float(base.total_cost.mean())
    for result in results:
        summary = plan_summary(result)
        mine = reps[reps["plan"] == result.plan.id]
        rows.append({
            "plan": result.plan.id,
            "name": result.plan.plan,
            "reps": summary["reps"],
            "total_payout": summary["total_payout"],
            "delta_vs_baseline": summary["total_payout"] - base_cost,
            "cost_of_sales": summary["cost_of_sales"],
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
            "common_reps": len(mine),
        })
    return Comparison(baseline, pd.DataFrame(rows), reps)


def _rep_deltas(base: PlanResult, other: PlanResult) -> pd.DataFrame:
    """Mean plan-year payout per rep under both plans, for the reps both cover."""
    base_ids = pd.Index(base.roster.rep_ids)
    other_index = np.arange(len(other.roster.rep_ids))
    base_index = base_ids.get_indexer(list(other.roster.rep_ids))
    both = base_index >= 0
    other_index, base_index = other_index[both], base_index[both]
    reps = other.reps.iloc[other_index].reset_index(drop=True)
    base_pay = base.paid.mean(axis=0)[base_index]
    pay = other.paid.mean(axis=0)[other_index]
    ti = other.roster.cap_basis_ti[other_index]
    delta = pay - base_pay
    with np.errstate(divide="ignore", invalid="ignore"):
        delta_pct_ti = np.where(ti > 0, delta / ti, np.nan)
    outcome = np.where(delta > SAME, "winner", np.where(delta < -SAME, "loser", "same"))
    return pd.DataFrame({
        "plan": other.plan.id, "baseline": base.plan.id,
        "rep_id": reps["rep_id"].to_numpy(), "name": reps["name"].to_numpy(),
        "role": reps["role"].to_numpy(), "team": reps["team"].to_numpy(),
        "baseline_payout": base_pay, "payout": pay, "delta": delta,
        "delta_pct_ti": delta_pct_ti, "outcome": outcome,
    }).sort_values("delta", ascending=False, kind="stable").reset_index(drop=True)
