"""A plan compiled once per run: windows as values, each rule as the array function the engine
applies, the modifiers of each component, and the measures the plan reads. Every chunk of trials
reuses it; nothing here is recomputed per chunk.

>>> from comp_sim.plan.loader import load_plan
>>> compiled = compile_plan(load_plan("plans/balanced-2027.yaml"), Month.parse("2027-01"))
>>> [(c.component.id, len(c.windows)) for c in compiled.components]
[('revenue', 4), ('new_logos', 4), ('forecast', 4), ('launch_spiff', 12)]
>>> [w.label for w in compiled.components[0].windows][:2]
['2027-Q1', '2027-Q2']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from comp_sim.measures import COMPANY_BOOKINGS, Measure, Needs, measure_key
from comp_sim.periods import Month, Window, plan_windows
from comp_sim.plan.components import ComponentBase, GateModifier, MultiplierModifier
from comp_sim.plan.models import Plan

# Always measured, for statements: plan-year bookings against quota.
REPORTED_METRICS = ("bookings", "quota")
DRAW_LINES = {"draw": "Draw", "draw_recovery": "Draw recovery"}  # line id -> label


@dataclass(frozen=True)
class CompiledModifier:
    """A gate (``rule`` says where it is open) or a multiplier (``rule`` is its factor)."""

    modifier: GateModifier | MultiplierModifier
    rule: Callable[[np.ndarray], np.ndarray]

    @property
    def metric(self) -> str:
        return self.modifier.metric


@dataclass(frozen=True)
class CompiledComponent:
    """One component of a compiled plan, in plan order."""

    component: ComponentBase
    order: int
    windows: tuple[Window, ...]
    rule: Callable[..., np.ndarray]
    gates: tuple[CompiledModifier, ...]
    multipliers: tuple[CompiledModifier, ...]

    @property
    def grain(self) -> str:
        return self.component.grain

    @property
    def cumulative(self) -> bool:
        return self.component.cumulative

    @property
    def pay_months(self) -> np.ndarray:
        """Offset in the plan year of the month each window is paid in (its last month)."""
        return np.array([w.last for w in self.windows])


@dataclass(frozen=True)
class CompiledPlan:
    """A plan resolved for the plan year starting at ``start``."""

    plan: Plan
    start: Month
    components: tuple[CompiledComponent, ...]
    measures: tuple[Measure, ...]  # the monthly measures the plan reads
    draw_windows: tuple[Window, ...] = ()  # the draw periods, when the plan has a draw

    @property
    def id(self) -> str:
        return self.plan.id

    @property
    def needs(self) -> Needs:
        return Needs.of(self.measures)

    @property
    def line_ids(self) -> list[str]:
        """What the plan pays, line by line: its components, then the draw and its recovery."""
        return [c.component.id for c in self.components] + (list(DRAW_LINES) if self.draw_windows else [])

    @property
    def line_labels(self) -> dict[str, str]:
        """The name a reader sees for each line id."""
        return {**{c.component.id: c.component.name for c in self.components}, **DRAW_LINES}

    @property
    def payment_order(self) -> list[tuple[int, int]]:
        """(component order, window index) in the order payments are made: by pay month, then
        in plan order within a month."""
        slots = sorted((w.last, c.order, index) for c in self.components for index, w in enumerate(c.windows))
        return [(order, index) for _, order, index in slots]


def used_metrics(plan: Plan) -> list[str]:
    """Metric names the plan reads directly (components, modifiers), plus the reported ones."""
    names = list(REPORTED_METRICS)
    names += [use.name for use in plan.reads() if use.loc[0] in ("components", "modifiers")]
    return list(dict.fromkeys(names))


def compile_plan(plan: Plan, start: Month) -> CompiledPlan:
    """Resolve a validated plan once for the plan year starting at ``start``."""
    components = []
    for order, component in enumerate(plan.components):
        gates, multipliers = plan.modifiers_of(component.id)
        components.append(CompiledComponent(
            component=component,
            order=order,
            windows=tuple(plan_windows(start, component.grain)),
            rule=component.compile(),
            gates=tuple(CompiledModifier(m, m.compile()) for m in gates),
            multipliers=tuple(CompiledModifier(m, m.compile()) for m in multipliers),
        ))
    measures = {measure_key(m): m for name in used_metrics(plan) for m in plan.measures_of(name)}
    measures.setdefault(COMPANY_BOOKINGS.key, COMPANY_BOOKINGS)
    draw_windows = tuple(plan_windows(start, plan.draw.per)) if plan.draw is not None else ()
    return CompiledPlan(plan, start, tuple(components), tuple(measures.values()), draw_windows)


def needs(plans: Sequence[CompiledPlan]) -> Needs:
    """What a set of compiled plans needs from the data."""
    return Needs.of(m for plan in plans for m in plan.measures)
