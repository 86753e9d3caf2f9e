"""The tables of SPEC "Outputs": payouts (long), statements (plan x rep), summary (per plan).

Money stays unrounded float64 here; rounding to cents happens only when a table is written or
shown, so sums over components, periods and reps reconcile exactly with the totals.
"""

from __future__ import annotations

from typing import Any

import math

import numpy as np
import pandas as pd

from comp_sim.engine.results import PlanResult
from comp_sim.engine.run import PlanRun
from comp_sim.plan.rules import HALF_STEP
from comp_sim.report.programs import ProgramResult

PAYOUT_COLUMNS = ["plan", "trial", "rep_id", "period", "component", "value", "fraction",
                  "multiplier", "amount", "capped"]
COST_PERCENTILES = (5, 50, 90, 95, 99)
PCT_TI_PERCENTILES = (10, 50, 90)
CORRELATION_BLOCK = 1 << 20  # values centred at a time (8 MiB)


def payouts_table(results: list[PlanResult]) -> pd.DataFrame:
    """One row per plan, trial, rep, period and component, for the trials kept in detail."""
    frames = []
    for result in results:
        trial0 = 0
        for run in result.detail:
            frames += _run_rows(run, trial0)
            trial0 += run.trials
    if not frames:
        return pd.DataFrame(columns=PAYOUT_COLUMNS + ["pay_month"])
    return pd.concat(frames, ignore_index=True)


def _run_rows(run: PlanRun, trial0: int) -> list[pd.DataFrame]:
    frames = []
    trials, reps = run.trials, len(run.roster.rep_ids)
    rep_ids = np.array(run.roster.rep_ids, dtype=object)
    for c in run.components:
        windows = len(c.windows)
        trial = np.repeat(np.arange(trial0, trial0 + trials), reps * windows)
        rep = np.tile(np.repeat(rep_ids, windows), trials)
        period = np.tile(np.array([w.label for w in c.windows], dtype=object), trials * reps)
        pay_month = np.tile(np.array([str(run.start + w.last) for w in c.windows], dtype=object), trials * reps)
        frames.append(pd.DataFrame({
            "plan": run.plan.id,
            "trial": trial,
            "rep_id": rep,
            "period": period,
            "component": c.component.id,
            "value": c.value.reshape(-1),
            "fraction": c.fraction.reshape(-1),
            "multiplier": c.multiplier.reshape(-1),
            "amount": c.amount.reshape(-1),
            "capped": c.capped.reshape(-1),
            "pay_month": pay_month,
        }))
    if run.draw is not None:
        frames += _draw_rows(run, trial0)
    return frames


def _draw_rows(run: PlanRun, trial0: int) -> list[pd.DataFrame]:
    """The draw's lines: ``draw`` and ``draw_recovery`` per draw period, whose value is what the
    components paid in the period (P)."""
    draw, trials, reps = run.draw, run.trials, len(run.roster.rep_ids)
    windows = len(draw.windows)
    common = {
        "plan": run.plan.id,
        "trial": np.repeat(np.arange(trial0, trial0 + trials), reps * windows),
        "rep_id": np.tile(np.repeat(np.array(run.roster.rep_ids, dtype=object), windows), trials),
        "period": np.tile(np.array([w.label for w in draw.windows], dtype=object), trials * reps),
        "value": draw.paid.reshape(-1),
        "fraction": np.nan,
        "multiplier": np.nan,
    }
    months = np.tile(np.array([str(run.start + w.last) for w in draw.windows], dtype=object), trials * reps)
    return [pd.DataFrame({**common, "component": line, "amount": amounts.reshape(-1), "capped": 0.0,
                          "pay_month": months})[PAYOUT_COLUMNS + ["pay_month"]]
            for line, amounts in (("draw", draw.lines.draw), ("draw_recovery", draw.lines.recovery))]


def statements_table(results: list[PlanResult]) -> pd.DataFrame:
    """One row per plan and rep: plan-year totals (means over trials), attainment, % of TI."""
    frames = []
    for result in results:
        reps = result.reps
        frame = pd.DataFrame({
            "plan": result.plan.id,
            "rep_id": reps["rep_id"].to_numpy(),
            "name": reps["name"].to_numpy(),
            "role": reps["role"].to_numpy(),
            "team": reps["team"].to_numpy(),
            "region": reps["region"].to_numpy(),
            "manager_id": reps["manager_id"].astype(object).where(reps["manager_id"].notna(), None).to_numpy(),
            "target_incentive": result.roster.annual_ti,
            "prorated_ti": result.roster.cap_basis_ti,
            "bookings": result.bookings.mean(axis=0),
            "quota": result.quota.mean(axis=0),
        })
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["attainment"] = np.where(frame["quota"] > 0, frame["bookings"] / frame["quota"], np.nan)
        frame["payout"] = result.paid.mean(axis=0)
        frame["payout_pct_ti"] = np.where(frame["prorated_ti"] > 0,
                                          frame["payout"] / frame["prorated_ti"].where(frame["prorated_ti"] > 0), np.nan)
        frame["capped"] = result.capped.mean(axis=0)
        if result.trials > 1:
            frame["payout_p10"], frame["payout_p90"] = np.percentile(result.paid, [10, 90], axis=0)
        if result.outstanding is not None:
            frame["draw_outstanding"] = result.outstanding.mean(axis=0)
        means = result.rep_component_sum / result.trials
        for index, line_id in enumerate(result.line_ids):
            frame[f"pay_{line_id}"] = means[:, index]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def figures(unit: PlanResult | ProgramResult) -> dict[str, Any]:
    """The summary figures of a plan or a program, over its reps and trials; money in its
    currency, unrounded. Bookings are company bookings (revenue credits); overlay credit is
    given as a share of them."""
    cost = unit.total_cost
    bookings = unit.company_bookings.sum(axis=1)  # revenue credits: overlay credit is on top
    overlay = unit.bookings.sum(axis=1) - bookings
    pct = unit.payout_pct_ti
    attainment = unit.attainment
    # Divided only where bookings are positive. Over bookings of a hair above 0 (a deal of 5e-324
    # is valid data) the ratio is past float64's range: inf, which the mean leaves out.
    with np.errstate(over="ignore"):
        cost_of_sales = np.divide(cost, bookings, out=np.full_like(cost, np.nan), where=bookings > 0)
    finite_pct = np.isfinite(pct)
    valid_pct = pct.ravel() if finite_pct.all() else pct[finite_pct]
    pct_mean = float(valid_pct.mean()) if valid_pct.size else None
    pay_for_performance = _correlation(attainment, pct)
    # pct is this function's own array, read for the last time: partition it in place
    pct_percentiles = dict(zip(PCT_TI_PERCENTILES, _percentiles(valid_pct, PCT_TI_PERCENTILES, overwrite=True)))
    return {
        "trials": unit.trials,
        "reps": int(unit.paid.shape[1]),
        "total_payout": float(cost.mean()),
        "total_bookings": float(bookings.mean()),
        "overlay_bookings": float(overlay.mean()),
        "overlay_share": float(overlay.mean() / bookings.mean()) if bookings.mean() > 0 else None,
        "cost_of_sales": _mean(cost_of_sales),
        "total_ti": float(unit.cap_basis_ti.sum()),
        "capped": float(unit.capped.sum(axis=1).mean()),
        "payout_pct_ti_mean": pct_mean,
        **{f"payout_pct_ti_p{q}": pct_percentiles[q] for q in PCT_TI_PERCENTILES},
        "share_at_or_above_quota": _share_at_quota(attainment),
        "pay_for_performance": pay_for_performance,
        "cost_distribution": {f"p{q}": v for q, v in zip(COST_PERCENTILES, _percentiles(cost, COST_PERCENTILES))},
    }


def plan_summary(result: PlanResult) -> dict[str, Any]:
    """SPEC's summary figures for one plan; money in the plan currency, unrounded."""
    shared = figures(result)
    cost_distribution = shared.pop("cost_distribution")
    return {
        "plan": result.plan.id,
        "name": result.plan.plan,
        "currency": result.plan.currency,
        "plan_year": f"{result.start}..{result.start + 11}",
        "replayed": result.replayed,
        **shared,
        "by_component": {cid: float(v) for cid, v in zip(result.line_ids, result.by_component.mean(axis=0))},
        "by_month": {label: float(v) for label, v in zip(result.month_labels, result.by_month.mean(axis=0))},
        "cost_distribution": cost_distribution,
    }


def program_summary(program: ProgramResult) -> dict[str, Any]:
    """The same figures for a program over its whole team, with its cost by plan and the reps
    of the data none of its plans covers."""
    shared = figures(program)
    cost_distribution = shared.pop("cost_distribution")
    return {
        "program": program.id,
        "name": program.name,
        "currency": program.currency,
        "plans": [r.plan.id for r in program.results],
        **shared,
        "by_plan": program.by_plan(),
        "by_month": {f"month {index + 1}": float(v) for index, v in enumerate(program.by_month.mean(axis=0))},
        "uncovered_reps": program.uncovered["rep_id"].astype(str).tolist(),
        "cost_distribution": cost_distribution,
    }


def summary_table(results: list[PlanResult]) -> pd.DataFrame:
    """One row per plan with the flat summary figures (components and months as columns)."""
    rows = []
    for result in results:
        summary = plan_summary(result)
        row = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        row.update({f"cost_{k}": v for k, v in summary["cost_distribution"].items()})
        row.update({f"component_{k}": v for k, v in summary["by_component"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def _mean(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else None


def _percentiles(values: np.ndarray, qs: tuple[float, ...], overwrite: bool = False) -> list[float | None]:
    """Several percentiles from one partition of the values (a copy of 10M values is 80 MB;
    ``overwrite`` partitions the caller's array instead, when it is not read again)."""
    if not values.size:
        return [None] * len(qs)
    return [float(v) for v in np.percentile(values, qs, overwrite_input=overwrite)]


def _share_at_quota(attainment: np.ndarray) -> float | None:
    """Share of (trial, rep) pairs with a quota whose attainment is at least 1 (at 9 decimals:
    ``round(a, 9) >= 1`` is ``a >= 1 - HALF_STEP``, with no rounded copy)."""
    with_quota = np.count_nonzero(np.isfinite(attainment))
    if not with_quota:
        return None
    return np.count_nonzero(attainment >= 1.0 - HALF_STEP) / with_quota


def _correlation(attainment: np.ndarray, pct: np.ndarray) -> float | None:
    """Pearson correlation of attainment and payout % of TI over reps (pooled over trials),
    from centred dot products a block of values at a time (no stacked copies as
    ``np.corrcoef`` makes, no centred copy of all the values).

    >>> _correlation(np.array([[1.0, 2.0, 3.0, np.nan]]), np.array([[2.0, 4.0, 6.5, 1.0]]))
    0.9979487157886733
    """
    ok = np.isfinite(attainment) & np.isfinite(pct)
    x, y = (attainment.ravel(), pct.ravel()) if ok.all() else (attainment[ok], pct[ok])
    if x.size < 2:
        return None
    x_mean, y_mean = x.mean(), y.mean()
    xx = yy = xy = 0.0
    for first in range(0, x.size, CORRELATION_BLOCK):
        dx = x[first: first + CORRELATION_BLOCK] - x_mean
        dy = y[first: first + CORRELATION_BLOCK] - y_mean
        xx, yy, xy = xx + float(dx @ dx), yy + float(dy @ dy), xy + float(dx @ dy)
    spread = math.sqrt(xx * yy)
    return xy / spread if spread > 0 else None
