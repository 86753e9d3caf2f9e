"""Sensitivity: plan cost and payout as team attainment, product mix or new logos shift.

A shift is applied to the data, all reps at once, and every plan is run on each shifted copy:

- ``attainment``: every deal amount x (1 + shift). On a Monte-Carlo ``TrialSource`` the cube's
  sums of deal amounts are scaled instead (``ScaledSource``).
- ``mix``: a share ``shift`` of the non-strategic deals become strategic (a negative shift: a
  share of the strategic deals become non-strategic). Strategic products are those the plans'
  metrics filter on (``where: {product: ...}``), or the ones given; with none, no deal changes.
- ``new_logos``: a share ``shift`` of the deals that are not new logos become new logos (a
  negative shift: a share of the new-logo deals stop being new logos).

Which deals change is drawn once per seed (one uniform number per deal), so a larger shift
changes a superset of the deals a smaller one changes and the curves do not zig-zag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from comp_sim.data.cube import Cube
from comp_sim.data.dataset import Dataset
from comp_sim.engine.distributed import Cluster
from comp_sim.engine.simulate import HistoricalSource, TrialSource, run_plans
from comp_sim.errors import Issue, UsageError
from comp_sim.measures import Needs
from comp_sim.periods import Month
from comp_sim.plan.metrics import DealMetric
from comp_sim.plan.models import Plan
from comp_sim.plan.program import Program
from comp_sim.report.programs import program_results
from comp_sim.report.tables import program_summary
from comp_sim.synth import MonteCarloSource

Dimension = Literal["attainment", "mix", "new_logos"]
DIMENSIONS = ("attainment", "mix", "new_logos")
DEFAULT_SHIFTS = (-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3)
COLUMNS = ["plan", "dimension", "shift", "cost", "bookings", "cost_of_sales", "payout_pct_ti_mean",
           "share_at_quota", "currency"]


@dataclass
class ScaledSource:
    """A trial source whose sums of deal amounts (bookings, and every sum of ``amount``) are
    scaled by ``factor``; counts, targets and forecasts are left as they are."""

    source: TrialSource
    factor: float

    @property
    def reps(self) -> pd.DataFrame:
        return self.source.reps

    @property
    def trials(self) -> int:
        return self.source.trials

    @property
    def label(self) -> str:
        return self.source.label

    @property
    def tables(self) -> frozenset[str]:
        return self.source.tables

    def months_covered(self) -> list[Month]:
        return self.source.months_covered()

    def chunk_sizes(self) -> list[int]:
        return self.source.chunk_sizes()

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int) -> Cube:
        cube = self.source.chunk(index, needed, first_month, months)
        scaled = {key: values * self.factor if key.startswith("sum:amount") else values
                  for key, values in cube.measures.items()}
        return replace(cube, measures=scaled)


def sensitivity(
    units: Sequence[Program],
    data: Dataset | TrialSource,
    shifts: Sequence[float] = DEFAULT_SHIFTS,
    *,
    trials: int | None = None,
    seed: int = 0,
    dimension: Dimension = "attainment",
    strategic: Sequence[str] | None = None,
    cluster: Cluster | None = None,
) -> pd.DataFrame:
    """One row per plan or program (``units``) and shift: cost, bookings, cost of sales, mean
    payout % of TI, share of reps at or above quota. ``data`` is a Dataset or a ``TrialSource``; ``trials`` > 1 draws
    that many Monte-Carlo trials around the data's reps (seeded by ``seed``). Over trials
    (attainment only) the figures are means over trials. Each shift's run goes to ``cluster``
    when given."""
    if dimension not in DIMENSIONS:
        raise UsageError(Issue(f"dimension is one of {', '.join(DIMENSIONS)}", path="dimension", value=dimension))
    loaded = list({plan.id: plan for unit in units for plan in unit.plans}.values())

    def rows_of(results, shift: float) -> list[dict]:
        return [_row(unit, dimension, shift) for unit in program_results(list(units), results, data_reps)]

    data_reps = data.reps
    rows = []
    if trials is not None and trials > 1 and not _is_source(data):
        data = MonteCarloSource.from_dataset(data, trials, seed)
    if _is_source(data):
        if dimension != "attainment":
            raise UsageError(Issue(f"a {dimension} shift changes deals, so it needs deal-level data, not "
                                   "Monte-Carlo trials", path="dimension", value=dimension))
        for shift in shifts:
            rows += rows_of(run_plans(loaded, ScaledSource(data, 1.0 + shift), cluster=cluster), shift)
        return pd.DataFrame(rows, columns=COLUMNS)
    dataset = data
    draws = np.random.default_rng(seed).random(len(dataset.deals))  # (deals,)
    products = strategic_products(loaded, dataset, strategic) if dimension == "mix" else ()
    for shift in shifts:
        shifted = shift_dataset(dataset, dimension, shift, draws, products)
        rows += rows_of(run_plans(loaded, HistoricalSource(shifted), cluster=cluster), shift)
    return pd.DataFrame(rows, columns=COLUMNS)


def _is_source(data: object) -> bool:
    return hasattr(data, "chunk") and hasattr(data, "chunk_sizes")


def _row(unit, dimension: str, shift: float) -> dict:
    summary = program_summary(unit)
    return {"plan": unit.id, "dimension": dimension, "shift": float(shift),
            "cost": summary["total_payout"], "bookings": summary["total_bookings"],
            "cost_of_sales": summary["cost_of_sales"], "payout_pct_ti_mean": summary["payout_pct_ti_mean"],
            "share_at_quota": summary["share_at_or_above_quota"], "currency": unit.currency}


def shift_dataset(dataset: Dataset, dimension: Dimension, shift: float, draws: np.ndarray,
                  strategic: Sequence[str] = ()) -> Dataset:
    """The dataset with one shift applied; ``draws`` (deals,) uniform in [0, 1) pick the deals
    that change (those with a draw below |shift|).

    >>> deals = pd.DataFrame({"deal_id": ["D1", "D2"], "rep_id": "R1", "close_date": "2027-03-01",
    ...                       "amount": [100.0, 300.0], "product": ["Core", "Platform"]})
    >>> ds = Dataset.from_frames(pd.DataFrame({"rep_id": ["R1"], "role": ["AE"]}), deals=deals)
    >>> shift_dataset(ds, "attainment", -0.5, np.zeros(2)).deals["amount"].tolist()
    [50.0, 150.0]
    >>> shift_dataset(ds, "mix", 0.5, np.array([0.4, 0.9]), ["Platform"]).deals["product"].tolist()
    ['Platform', 'Platform']
    """
    deals = dataset.deals.copy()
    chosen = draws < abs(shift)
    if dimension == "attainment":
        deals["amount"] = deals["amount"] * (1.0 + shift)
    elif dimension == "mix" and strategic:
        is_strategic = deals["product"].isin(list(strategic)).fillna(False).to_numpy(dtype=bool)
        if shift > 0:
            deals.loc[chosen & ~is_strategic, "product"] = _most_common(deals["product"][is_strategic], strategic)
        elif shift < 0:
            others = deals["product"][~is_strategic].dropna()
            deals.loc[chosen & is_strategic, "product"] = (
                others.mode().iloc[0] if len(others) else "Other")
    elif dimension == "new_logos":
        new_logo = deals["new_logo"].to_numpy(dtype=bool)
        flip = chosen & (~new_logo if shift > 0 else new_logo)
        deals["new_logo"] = np.where(flip, ~new_logo, new_logo)
    return replace(dataset, deals=deals)


def _most_common(values: pd.Series, fallback: Sequence[str]) -> str:
    values = values.dropna()
    return str(values.mode().iloc[0]) if len(values) else str(sorted(fallback)[0])


def strategic_products(plans: Sequence[Plan], dataset: Dataset, given: Sequence[str] | None) -> tuple[str, ...]:
    """Products the plans' metrics single out (``where: {product: ...}``), unless given. With
    none, a mix shift changes no deal: no plan pays on the mix."""
    if given is not None:
        found = tuple(given)
    else:
        names: set[str] = set()
        for plan in plans:
            for definition in plan.metrics.values():
                if isinstance(definition, DealMetric) and "product" in definition.where:
                    value = definition.where["product"]
                    names.update(str(v) for v in (value if isinstance(value, list) else [value]))
        found = tuple(sorted(names))
    return found


def elasticity(table: pd.DataFrame) -> pd.DataFrame:
    """Per plan and dimension, what 1% more costs: the central slope of cost (and of mean payout
    % of TI) over the shifts on either side of 0 (one side when only one is there).

    >>> t = pd.DataFrame({"plan": "p", "dimension": "attainment", "shift": [-0.1, 0.0, 0.1],
    ...                   "cost": [900.0, 1000.0, 1200.0], "payout_pct_ti_mean": [0.9, 1.0, 1.2],
    ...                   "currency": "USD"})
    >>> elasticity(t)[["cost_per_pct", "cost_elasticity"]].values.tolist()
    [[15.0, 1.5]]
    """
    rows = []
    for (plan, dimension), group in table.groupby(["plan", "dimension"], sort=False):
        group = group.sort_values("shift")
        shift = group["shift"].to_numpy()
        base = group[np.isclose(shift, 0.0)]
        below, above = group[shift < 0].tail(1), group[shift > 0].head(1)
        lo = below if len(below) else base
        hi = above if len(above) else base
        width = float(hi["shift"].iloc[0] - lo["shift"].iloc[0]) if len(lo) and len(hi) else 0.0
        if not width:
            continue
        slope = (float(hi["cost"].iloc[0]) - float(lo["cost"].iloc[0])) / width  # cost per unit shift
        pct_slope = (float(hi["payout_pct_ti_mean"].iloc[0]) - float(lo["payout_pct_ti_mean"].iloc[0])) / width
        base_cost = float(base["cost"].iloc[0]) if len(base) else float("nan")
        rows.append({
            "plan": plan, "dimension": dimension, "base_cost": base_cost,
            "cost_per_pct": slope / 100.0,
            "cost_elasticity": slope / base_cost if base_cost else float("nan"),
            "payout_pct_ti_per_pct": pct_slope / 100.0,
            "currency": group["currency"].iloc[0],
        })
    return pd.DataFrame(rows, columns=["plan", "dimension", "base_cost", "cost_per_pct", "cost_elasticity",
                                       "payout_pct_ti_per_pct", "currency"])


__all__ = ["sensitivity", "elasticity", "shift_dataset", "ScaledSource", "DIMENSIONS", "DEFAULT_SHIFTS"]
