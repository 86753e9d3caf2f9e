"""Pay curves to draw: each curve or tiers component's fraction of target on a grid of its
metric, evaluated with the plan's own rules (a chart never works a rule out again)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from comp_sim.plan.models import Plan

CURVE_COLUMNS = ["component", "metric_name", "metric", "fraction"]


def pay_curve_points(plan: Plan) -> pd.DataFrame:
    """component, metric_name, metric, fraction: each curve or tiers component's pay curve on a
    grid that holds every point and band edge (and a hair below it, so cliffs show as cliffs).

    >>> from comp_sim.plan.loader import load_plan
    >>> points = pay_curve_points(load_plan("plans/current-2026.yaml"))
    >>> float(points.loc[points["metric"] == 1.0, "fraction"].iloc[0])
    0.85
    """
    frames = []
    for component in plan.components:
        if not component.in_ti:
            continue
        edges = component.edges()
        top = max(1.5, np.ceil(13 * max(edges, default=1.0)) / 10)  # 30% past the last edge, in tenths
        steps = np.round(np.arange(0, top + 0.005, 0.01), 9)  # every 1% of the metric
        grid = np.unique(np.concatenate([steps, edges, np.array(edges) - 1e-6]))
        grid = grid[grid >= 0]
        frames.append(pd.DataFrame({"component": component.name, "metric_name": component.metric,
                                    "metric": grid, "fraction": component.fraction(grid)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CURVE_COLUMNS)
