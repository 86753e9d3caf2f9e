"""The measures cube: every number the engine reads, aggregated once per (trials, reps, months).

Every array in a cube is float64 shaped (trials, reps, months); historical data is one trial.
Deals are aggregated with ``np.bincount`` over a (rep, month) index, once per measure a set of
plans needs; targets and forecasts given for a coarser period are spread evenly over its months.

Measure keys are strings (``comp_sim.measures``): a ``DealMeasure.key`` for sums and counts over
deals, ``forecast``, ``mbo_sum`` / ``mbo_count`` (mean score = sum / count over a window) and
``target.NAME``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from comp_sim.errors import DataError, Issue
from comp_sim.measures import FORECAST, MBO_COUNT, MBO_SUM, DealMeasure, target_key
from comp_sim.periods import Month, Period, month_ordinals

@dataclass(frozen=True)
class Cube:
    """Measures shaped (trials, reps, months), for months ``first_month`` onwards."""

    first_month: Month
    rep_ids: tuple[str, ...]
    measures: Mapping[str, np.ndarray]
    trials: int = 1

    @property
    def months(self) -> int:
        return next(iter(self.measures.values())).shape[-1] if self.measures else 0

    def window(self, key: str, start: Month, months: int) -> np.ndarray:
        """A measure over ``months`` months from ``start``; months outside the cube are 0.
        (The cube's own array when it spans exactly those months: do not write to it.)"""
        values = self.measures[key]
        if start == self.first_month and months == values.shape[-1]:
            return values
        out = np.zeros((*values.shape[:-1], months))
        offset = start - self.first_month
        lo, hi = max(offset, 0), min(offset + months, values.shape[-1])
        if hi > lo:
            out[..., lo - offset : hi - offset] = values[..., lo:hi]
        return out


def build_cube(
    reps: pd.DataFrame,
    deals: pd.DataFrame,
    quotas: pd.DataFrame,
    forecasts: pd.DataFrame,
    mbo: pd.DataFrame,
    *,
    deal_measures: Iterable[DealMeasure],
    target_metrics: Iterable[str],
    first_month: Month,
    months: int,
    deals_source: str = "deals",
) -> Cube:
    """Aggregate loaded tables into a one-trial cube of the measures asked for.

    Rows for reps not in ``reps`` or months outside the cube are left out (the loader has
    already reported unknown reps; months outside the plan years are simply not in this run).
    """
    rep_ids = tuple(reps["rep_id"].astype(str))
    position = pd.Index(rep_ids)
    shape = (len(rep_ids), months)
    measures: dict[str, np.ndarray] = {}

    rep_pos = position.get_indexer(deals["rep_id"].astype(str))
    month_pos = month_ordinals(deals["close_date"]) - first_month.ordinal
    inside = (rep_pos >= 0) & (month_pos >= 0) & (month_pos < months)
    cell = np.where(inside, rep_pos * months + month_pos, 0)
    split = deals["split"].to_numpy(dtype="float64")
    issues: list[Issue] = []
    for measure in {m.key: m for m in deal_measures}.values():
        mask = inside & _where_mask(deals, measure, deals_source, issues)
        if measure.kind == "count":
            weights = (split > 0).astype("float64")
        else:
            weights = _numeric(deals, measure.column, measure, deals_source, issues) * split
            if measure.times:
                weights = weights * _numeric(deals, measure.times, measure, deals_source, issues)
        if issues:
            continue
        measures[measure.key] = _bincount(cell[mask], weights[mask], shape)
    if issues:
        raise DataError(issues)

    for metric in set(target_metrics):
        rows = quotas[quotas["metric"] == metric]
        measures[target_key(metric)] = _spread(rows, "target", position, first_month, months)
    measures[FORECAST] = _spread(forecasts, "forecast", position, first_month, months)
    measures[MBO_SUM] = _spread(mbo, "score", position, first_month, months, per_month=True)
    counts = mbo.assign(one=1.0)
    measures[MBO_COUNT] = _spread(counts, "one", position, first_month, months, per_month=True)
    return Cube(first_month, rep_ids, {k: v[None, :, :] for k, v in measures.items()})


def _bincount(cells: np.ndarray, weights: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    size = shape[0] * shape[1]
    return np.bincount(cells, weights=weights, minlength=size)[:size].reshape(shape)


def _numeric(deals: pd.DataFrame, column: str, measure: DealMeasure, source: str, issues: list[Issue]) -> np.ndarray:
    if column not in deals.columns:
        issues.append(_missing_column(column, measure, deals, source))
        return np.zeros(len(deals))
    values = pd.to_numeric(deals[column], errors="coerce")
    if values.isna().any() and len(deals):
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        issues.append(Issue(f"{_who(measure)} adds up column '{column}', which must be a number",
                            source=source, line=row + 2, path=column, value=deals[column].iloc[row]))
    return values.fillna(0.0).to_numpy(dtype="float64")


def _where_mask(deals: pd.DataFrame, measure: DealMeasure, source: str, issues: list[Issue]) -> np.ndarray:
    mask = np.ones(len(deals), dtype=bool)
    for column, wanted in measure.where:
        if column not in deals.columns:
            issues.append(_missing_column(column, measure, deals, source))
            continue
        values = deals[column]
        if pd.api.types.is_bool_dtype(values):
            keep = [v for v in wanted if isinstance(v, bool)]
            mask &= values.isin(keep).to_numpy()
        elif pd.api.types.is_numeric_dtype(values):
            keep = [v for v in wanted if isinstance(v, (int, float)) and not isinstance(v, bool)]
            mask &= values.isin(keep).to_numpy()
        else:
            mask &= values.astype("string").isin([str(v) for v in wanted]).fillna(False).to_numpy(dtype=bool)
    return mask


def _who(measure: DealMeasure) -> str:
    return f"plan metric '{measure.source}'" if measure.source else f"measure {measure.key}"


def _missing_column(column: str, measure: DealMeasure, deals: pd.DataFrame, source: str) -> Issue:
    return Issue(
        f"{_who(measure)} reads deals column '{column}', which the deals file does not have "
        f"(columns: {', '.join(map(str, deals.columns))})",
        source=source, path=column,
    )


def _spread(
    rows: pd.DataFrame,
    column: str,
    position: pd.Index,
    first_month: Month,
    months: int,
    *,
    per_month: bool = False,
) -> np.ndarray:
    """Values of period rows spread over their months: evenly (value / months), or the value
    itself in each month with ``per_month`` (for scores averaged later)."""
    shape = (len(position), months)
    if rows.empty:
        return np.zeros(shape)
    labels = rows["period"].astype(str)
    parsed = {label: Period.parse(label) for label in labels.unique()}
    first = labels.map({k: p.first.ordinal for k, p in parsed.items()}).to_numpy() - first_month.ordinal
    length = labels.map({k: p.length for k, p in parsed.items()}).to_numpy()
    values = rows[column].to_numpy(dtype="float64")
    per = values if per_month else values / length
    rep_pos = position.get_indexer(rows["rep_id"].astype(str))
    row_index = np.repeat(np.arange(len(rows)), length)
    offsets = np.arange(len(row_index)) - np.repeat(np.cumsum(length) - length, length)
    month_pos = first[row_index] + offsets
    inside = (rep_pos[row_index] >= 0) & (month_pos >= 0) & (month_pos < months)
    cells = rep_pos[row_index] * months + month_pos
    return _bincount(cells[inside], per[row_index][inside], shape)
