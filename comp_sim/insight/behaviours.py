"""Who wins and why: the behaviours a plan sets out to reward, rep by rep, and how the winners and
losers of a proposal against the baseline differ on each.

A rep's behaviours are read from their credited deals and forecasts over the plan year: the
share of their deals that are new logos, the strategic products' share of their bookings (the
products the plans' metrics single out), the accuracy of their forecasts over the year, and
their amount-weighted average discount. (Forecast accuracy is measured quarter by quarter, as
the plans measure it, and averaged.) A proposal that rewards these should have winners who
show more of the first three and less of the last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from comp_sim.data.dataset import Dataset
from comp_sim.insight.sensitivity import strategic_products
from comp_sim.measures import BOOKINGS
from comp_sim.periods import PLAN_YEAR_MONTHS, Month, month_ordinals
from comp_sim.plan.metrics import forecast_accuracy
from comp_sim.plan.models import Plan

BEHAVIOURS = {  # column -> (what it is, whether more of it is what the proposal rewards)
    "new_logo_share": ("Share of deals that are new logos", True),
    "strategic_mix": ("Strategic products' share of bookings", True),
    "forecast_accuracy": ("Forecast accuracy over the year", True),
    "avg_discount": ("Average discount given", False),
}


def rep_behaviours(dataset: Dataset, start: Month, plans: Sequence[Plan]) -> pd.DataFrame:
    """One row per rep with credited deals in the plan year from ``start``: BEHAVIOURS' columns."""
    deals = dataset.deals
    offset = month_ordinals(deals["close_date"]) - start.ordinal
    deals = deals[(offset >= 0) & (offset < PLAN_YEAR_MONTHS) & (deals["split"] > 0)]
    credited = deals["amount"] * deals["split"]
    strategic = deals["product"].isin(list(strategic_products(plans, dataset, None))).to_numpy()
    frame = pd.DataFrame({
        "rep_id": deals["rep_id"].to_numpy(), "credited": credited.to_numpy(),
        "new_logo": deals["new_logo"].to_numpy(dtype=float), "strategic": credited.to_numpy() * strategic,
        "discounted": (credited * deals["discount"]).to_numpy(),
    })
    per_rep = frame.groupby("rep_id").agg(credited=("credited", "sum"), deals=("new_logo", "size"),
                                          new_logos=("new_logo", "sum"), strategic=("strategic", "sum"),
                                          discounted=("discounted", "sum"))
    out = pd.DataFrame({"rep_id": per_rep.index})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["new_logo_share"] = (per_rep["new_logos"] / per_rep["deals"]).to_numpy()
        out["strategic_mix"] = (per_rep["strategic"] / per_rep["credited"]).to_numpy()
        out["avg_discount"] = (per_rep["discounted"] / per_rep["credited"]).to_numpy()
    out["forecast_accuracy"] = _forecast_accuracy(dataset, start, per_rep["credited"]).reindex(out["rep_id"]).to_numpy()
    return out[["rep_id", *BEHAVIOURS]]


def _forecast_accuracy(dataset: Dataset, start: Month, booked: pd.Series) -> pd.Series:
    """Per rep, the mean over the quarters they forecast of the ``forecast_accuracy`` metric as
    plans measure it, quarter by quarter."""
    if dataset.forecasts.empty:
        return pd.Series(dtype="float64")
    cube = dataset.cube((BOOKINGS,), (), start, PLAN_YEAR_MONTHS)
    forecast = cube.measures["forecast"][0].reshape(len(cube.rep_ids), 4, 3).sum(axis=2)
    bookings = cube.measures[BOOKINGS.key][0].reshape(len(cube.rep_ids), 4, 3).sum(axis=2)
    forecast_quarters = forecast > 0
    accuracy = forecast_accuracy(bookings, forecast)
    mean = np.where(forecast_quarters, accuracy, 0.0).sum(axis=1) / np.maximum(forecast_quarters.sum(axis=1), 1)
    return pd.Series(np.where(forecast_quarters.any(axis=1), mean, np.nan), index=list(cube.rep_ids))


def who_wins(reps: pd.DataFrame, behaviours: pd.DataFrame) -> pd.DataFrame:
    """Per behaviour, the winners' and the losers' mean (``reps``: a comparison's per-rep table
    for one proposal), and whether the winners show more of what the proposal rewards."""
    joined = reps[["rep_id", "outcome"]].merge(behaviours, on="rep_id", how="inner")
    rows = []
    for column, (label, more_is_better) in BEHAVIOURS.items():
        winners = joined.loc[joined["outcome"] == "winner", column].dropna()
        losers = joined.loc[joined["outcome"] == "loser", column].dropna()
        w, lo = (float(s.mean()) if len(s) else np.nan for s in (winners, losers))
        rows.append({"behaviour": column, "label": label, "winners": w, "losers": lo,
                     "winners_reps": len(winners), "losers_reps": len(losers),
                     "rewarded": bool((w > lo) if more_is_better else (w < lo)) if len(winners) and len(losers) else None})
    return pd.DataFrame(rows)
