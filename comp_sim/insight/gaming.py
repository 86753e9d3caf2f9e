"""Gaming analysis: what a rep gains by moving, discounting, sandbagging or splitting deals.

Each strategy is a modified copy of the data in which every rep plays it at once (or a couple of
such copies, one per way of playing it, e.g. which deal to move: each rep plays the one that pays
them most). A rep's pay depends only on the deals credited to them, so each rep's gain is the
change of their plan-year payout between the runs. A rep plays a strategy only where it pays, so
the plan's added cost is the sum of the positive gains. A split involves two reps: reps are paired (seeded), and a
pair's gain is the change of both payouts together.

Deals move within the plan year the plan runs on, between the periods of the plan's grain
(``gaming_grain``): the measure of its non-cumulative bookings components, else quarters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from comp_sim.data.dataset import Dataset
from comp_sim.engine.results import PlanResult
from comp_sim.engine.distributed import Cluster
from comp_sim.engine.simulate import HistoricalSource, run_plans
from comp_sim.insight.lint import pays_on_bookings
from comp_sim.periods import MONTHS_PER, PLAN_YEAR_MONTHS, Month, month_ordinals
from comp_sim.plan.models import Plan

SANDBAG_FACTOR = 0.7  # the forecast a sandbagger submits, as a share of the honest one
CLOSING_DISCOUNT = 0.10  # the discount given to close a deal a period earlier
GAIN_TOLERANCE = 0.005  # money below half a cent is no gain
COLUMNS = ["plan", "strategy", "description", "reps", "share_of_reps_gaining", "mean_gain_per_rep",
           "max_gain", "added_plan_cost", "added_cost_pct", "currency"]


@dataclass(frozen=True)
class _Year:
    """Where deals may move: the plan year's first month, its grain, the covered reps, and per
    (reps, months) of the plan year whether the rep is employed and their bookings quota."""

    start: Month
    grain: str
    rep_ids: tuple[str, ...]
    employed: np.ndarray  # (reps, months) bool
    quota: np.ndarray  # (reps, months)

    @classmethod
    def of(cls, plan: Plan, dataset: Dataset, base: PlanResult) -> _Year:
        cube = dataset.cube((), ("bookings",), base.start, PLAN_YEAR_MONTHS)
        rows = pd.Index(cube.rep_ids).get_indexer(list(base.roster.rep_ids))
        return cls(base.start, gaming_grain(plan), base.roster.rep_ids,
                   base.roster.days_employed > 0, cube.measures["target.bookings"][0][rows])

    def quota_at(self, rep_ids: pd.Series, offset: np.ndarray) -> np.ndarray:
        """Bookings quota of each covered rep in a month of the plan year, (deals,)."""
        rep = pd.Index(self.rep_ids).get_indexer(rep_ids)
        return self.quota[rep, np.clip(offset, 0, PLAN_YEAR_MONTHS - 1)]

    def can_take(self, rep_ids: pd.Series, offset: np.ndarray, from_quota: np.ndarray) -> np.ndarray:
        """Whether each covered rep may be credited a deal in a month (deals,): the month is in
        the plan year, the rep is employed then, and has a quota there unless the deal comes
        from a month without one (``from_quota`` <= 0)."""
        rep = pd.Index(self.rep_ids).get_indexer(rep_ids)
        month = np.clip(offset, 0, PLAN_YEAR_MONTHS - 1)
        inside = (offset >= 0) & (offset < PLAN_YEAR_MONTHS)
        return inside & self.employed[rep, month] & ((self.quota[rep, month] > 0) | (from_quota <= 0))

    @property
    def months_per(self) -> int:
        return MONTHS_PER[self.grain]

    def offsets(self, deals: pd.DataFrame) -> np.ndarray:
        """Month of each deal's close as an offset from the plan start, (deals,)."""
        return month_ordinals(deals["close_date"]) - self.start.ordinal

    def movable(self, deals: pd.DataFrame) -> np.ndarray:
        """Deals of covered reps closed inside the plan year, (deals,) bool."""
        offset = self.offsets(deals)
        return deals["rep_id"].isin(self.rep_ids).to_numpy() & (offset >= 0) & (offset < PLAN_YEAR_MONTHS)


def gaming_grain(plan: Plan) -> str:
    """The period deals are moved across: the shortest measure of a non-cumulative component
    paid on bookings, else a quarter."""
    grains = [c.grain for c in plan.components
              if not c.cumulative and c.grain != "year" and pays_on_bookings(plan, c)]
    return min(grains, key=MONTHS_PER.__getitem__) if grains else "quarter"


def gaming_report(plan: Plan, dataset: Dataset, seed: int = 0, cluster: Cluster | None = None) -> pd.DataFrame:
    """One row per strategy: share of reps it pays, their mean gain, and the plan's added cost.

    ``mean_gain_per_rep`` is the mean over the reps it pays (0 when it pays none; a pair's gain
    from a split counts half for each); ``max_gain`` is the largest gain of one rep (of one pair
    for splits); ``added_plan_cost`` = share x reps x mean gain; ``added_cost_pct`` is that over
    the plan's cost.
    """
    loaded = plan
    base = _replay(loaded, dataset, cluster)
    year = _Year.of(loaded, dataset, base)
    base_paid = pd.Series(base.paid[0], index=list(year.rep_ids))
    base_cost = float(base_paid.sum())
    rows = []
    for name, describe, play in STRATEGIES:
        variants, groups = play(dataset, year, np.random.default_rng(seed))
        gains = None
        for modified in variants:  # each rep (or pair) plays the variant that pays them most
            paid = _replay(loaded, modified, cluster).paid[0]
            change = pd.Series(paid, index=list(year.rep_ids)) - base_paid
            gain = change.groupby(groups.reindex(change.index).to_numpy()).sum()
            gains = gain if gains is None else np.maximum(gains, gain)
        group_size = groups.value_counts().reindex(gains.index).to_numpy()
        paying = gains.to_numpy() > GAIN_TOLERANCE
        reps = len(year.rep_ids)
        added = float(gains[paying].sum())
        gaining_reps = int(group_size[paying].sum())
        rows.append({
            "plan": loaded.id,
            "strategy": name,
            "description": describe(year),
            "reps": reps,
            "share_of_reps_gaining": gaining_reps / reps if reps else 0.0,
            "mean_gain_per_rep": added / gaining_reps if gaining_reps else 0.0,
            "max_gain": float(gains[paying].max()) if paying.any() else 0.0,
            "added_plan_cost": added,
            "added_cost_pct": added / base_cost if base_cost else float("nan"),
            "currency": loaded.currency,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _replay(plan: Plan, dataset: Dataset, cluster: Cluster | None) -> PlanResult:
    """The plan over the data as it happened (one trial), on ``cluster`` when given."""
    return run_plans([plan], HistoricalSource(dataset), cluster=cluster)[0]


# --------------------------------------------------------------------------- strategies
# Each returns the modified datasets (variants: each rep plays the one that pays them most) and
# the group each covered rep's gain counts in (the rep itself, or the pair for splits), as a
# Series indexed by rep_id.


def _solo(year: _Year) -> pd.Series:
    return pd.Series(list(year.rep_ids), index=list(year.rep_ids))


def _with_deals(dataset: Dataset, deals: pd.DataFrame, forecasts: pd.DataFrame | None = None) -> Dataset:
    return replace(dataset, deals=deals, forecasts=dataset.forecasts if forecasts is None else forecasts)


def _one_per_period(deals: pd.DataFrame, year: _Year, *, last: bool, pick: str) -> pd.Index:
    """Per rep and period, one deal of the period's first month (its last month with ``last``)
    that may move into the neighbouring period of the plan year: the earliest (the latest with
    ``last``) when ``pick`` is "edge", the largest credit when it is "largest"."""
    offset = year.offsets(deals)
    edge = offset % year.months_per == (year.months_per - 1 if last else 0)
    candidates = deals[year.movable(deals) & edge]
    offset = year.offsets(candidates)
    from_quota = year.quota_at(candidates["rep_id"], offset)
    candidates = candidates[year.can_take(candidates["rep_id"], offset + (1 if last else -1), from_quota)]
    ranked = candidates.assign(_period=year.offsets(candidates) // year.months_per,
                               _credit=candidates["amount"] * candidates["split"])
    if pick == "largest":
        ranked = ranked.sort_values(["_credit", "deal_id"], ascending=[False, True], kind="stable")
    else:
        ranked = ranked.sort_values(["close_date", "deal_id"], ascending=not last, kind="stable")
    return ranked.groupby(["rep_id", "_period"], sort=False).head(1).index


PICKS = ("edge", "largest")


def pull_forward(dataset: Dataset, year: _Year, rng=None, *, discount: float = 0.0) -> tuple[list[Dataset], pd.Series]:
    """Each rep moves one deal of each period's first month (the first, or the largest) to the
    previous period's last day; with ``discount`` the deal closes for that much less and its
    discount rises by as much."""
    variants = []
    for pick in PICKS:
        deals = dataset.deals.copy()
        moved = _one_per_period(deals, year, last=False, pick=pick)
        dates = deals.loc[moved, "close_date"]
        deals.loc[moved, "close_date"] = dates - pd.to_timedelta(dates.dt.day, unit="D")
        if discount:
            deals.loc[moved, "amount"] = deals.loc[moved, "amount"] * (1.0 - discount)
            deals.loc[moved, "discount"] = np.minimum(deals.loc[moved, "discount"] + discount, 1.0)
        variants.append(_with_deals(dataset, deals))
    return variants, _solo(year)


def push_out(dataset: Dataset, year: _Year, rng=None) -> tuple[list[Dataset], pd.Series]:
    """Each rep moves one deal of each period's last month (the last, or the largest) to the
    next period's first day."""
    variants = []
    for pick in PICKS:
        deals = dataset.deals.copy()
        moved = _one_per_period(deals, year, last=True, pick=pick)
        deals.loc[moved, "close_date"] = (deals.loc[moved, "close_date"].dt.to_period("M") + 1).dt.to_timestamp()
        variants.append(_with_deals(dataset, deals))
    return variants, _solo(year)


def sandbag(dataset: Dataset, year: _Year, rng=None) -> tuple[list[Dataset], pd.Series]:
    """Every covered rep submits 70% of their forecast."""
    forecasts = dataset.forecasts.copy()
    mine = forecasts["rep_id"].isin(year.rep_ids)
    forecasts.loc[mine, "forecast"] = forecasts.loc[mine, "forecast"] * SANDBAG_FACTOR
    return [_with_deals(dataset, dataset.deals, forecasts)], _solo(year)


def split_deal(dataset: Dataset, year: _Year, rng: np.random.Generator) -> tuple[list[Dataset], pd.Series]:
    """Reps are paired at random; in each pair the largest deal of the two that the other rep
    could be credited (employed, with a quota then) is split half and half with them (each
    credit row then counts as a deal for its rep)."""
    order = rng.permutation(len(year.rep_ids))
    reps = np.array(year.rep_ids, dtype=object)[order]
    paired = reps[: len(reps) // 2 * 2]
    pair_of = pd.Series(np.repeat(np.arange(len(paired) // 2), 2), index=paired)
    partner = pd.Series(paired.reshape(-1, 2)[:, ::-1].reshape(-1), index=paired)
    deals = dataset.deals.copy()
    candidates = deals[year.movable(deals) & deals["rep_id"].isin(paired).to_numpy()]
    offset = year.offsets(candidates)
    from_quota = year.quota_at(candidates["rep_id"], offset)
    candidates = candidates[year.can_take(candidates["rep_id"].map(partner), offset, from_quota)]
    credit = candidates["amount"] * candidates["split"]
    ranked = candidates.assign(_pair=candidates["rep_id"].map(pair_of).to_numpy(), _credit=credit)
    ranked = ranked.sort_values(["_credit", "deal_id"], ascending=[False, True], kind="stable")
    chosen = ranked.groupby("_pair", sort=False).head(1).index
    deals.loc[chosen, "split"] = deals.loc[chosen, "split"] / 2
    shared = deals.loc[chosen].assign(rep_id=deals.loc[chosen, "rep_id"].map(partner).to_numpy())
    deals = pd.concat([deals, shared], ignore_index=True)
    groups = _solo(year).astype(object)
    groups[paired] = [f"pair {p}" for p in pair_of[paired]]
    return [_with_deals(dataset, deals)], groups


Strategy = tuple[str, Callable[[_Year], str], Callable[..., tuple[list[Dataset], pd.Series]]]

STRATEGIES: list[Strategy] = [
    ("pull_forward",
     lambda y: f"each rep closes one deal of each {y.grain}'s first month (the first or the largest, "
               f"whichever pays them more) on the last day of the previous {y.grain}",
     pull_forward),
    ("push_out",
     lambda y: f"each rep holds one deal of each {y.grain}'s last month (the last or the largest, "
               f"whichever pays them more) into the next {y.grain}",
     push_out),
    ("sandbag_forecast",
     lambda y: f"each rep submits {SANDBAG_FACTOR:.0%} of their forecast",
     sandbag),
    ("discount_to_close",
     lambda y: f"as pull_forward, with {CLOSING_DISCOUNT:.0%} off the deal to close it early",
     lambda d, y, rng: pull_forward(d, y, rng, discount=CLOSING_DISCOUNT)),
    ("split_deal",
     lambda y: "reps paired at random split the pair's largest deal half and half",
     split_deal),
]

__all__ = ["gaming_report", "gaming_grain", "STRATEGIES"]
