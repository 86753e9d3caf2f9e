"""Component and modifier kinds, each declared once: its model, the metrics it reads, and its
array function. The plan's discriminated unions, the engine, explain and lint all ask these
classes; adding a kind means adding a class here and to ``COMPONENT_KINDS`` (see CONTRIBUTING.md).

A component is measured on windows of its ``measure`` grain and pays either a fraction of target
(``in_ti``: curve, tiers; money = fraction x weight x window TI) or money directly (commission,
SPIFF). The engine applies gates, multipliers, true-ups and the cap the same way to every kind.

>>> c = CurveComponent(id="revenue", weight=1.0, metric="attainment", curve={"points": [[0, 0], [1, 1]]})
>>> c.kind, c.in_ti, [use.name for use in c.reads()]
('curve', True, ['attainment'])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import numpy as np
from pydantic import Field

from comp_sim.plan.rules import (
    Commission,
    Curve,
    Gate,
    Multiplier,
    PiecewiseLinear,
    Spiff,
    StrictModel,
    Tiers,
    commission,
    compile_bands,
    compile_curve,
    compile_tiers,
    gate_open,
    spiff,
)

MetricKind = Literal["money", "count", "ratio", "score"]

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
Grain = Literal["month", "quarter", "half", "year"]


@dataclass(frozen=True)
class MetricUse:
    """One metric a plan element reads: where (key path below the element), which metric, the
    kinds it must be (None: any) and why, for the message when it is not."""

    loc: tuple[Any, ...]
    name: str
    kinds: tuple[MetricKind, ...] | None = None
    why: str = ""
    additive: bool = False  # the metric must add up over reps (a commission basis, a team sum)


@dataclass(frozen=True)
class Cliffs:
    """Edges where pay jumps: ``retro-cliff`` (a retroactive band holds its edge, the next step
    over it re-rates all of it) or ``step-cliff`` (a curve step, right-continuous), at ``loc``
    below the component."""

    kind: Literal["retro-cliff", "step-cliff"]
    loc: tuple[Any, ...]
    edges: list[float]


class WindowMetrics(Protocol):
    """The metric values over a component's windows that a kind's array function reads."""

    def value(self, name: str) -> np.ndarray: ...

    def relative_to_quota(self, basis: str) -> np.ndarray: ...


# --------------------------------------------------------------------------- components


class ComponentBase(StrictModel):
    id: str = Field(pattern=SLUG, description="Unique id of the component, e.g. revenue.")
    label: str | None = Field(None, description="Display name (defaults to the id).")
    measure: Grain = Field(
        "month", description="Period the component is measured and paid on: month | quarter | half | year."
    )
    cumulative: bool = Field(
        False,
        description="Measure year-to-date and pay a true-up each period (earned-to-date minus paid-to-date).",
    )

    kind: ClassVar[str]
    in_ti: ClassVar[bool] = False  # paid as a fraction of target (weight x TI), not as money

    @property
    def name(self) -> str:
        return self.label or self.id

    @property
    def grain(self) -> Grain:
        """The period the component is measured and paid on (the plan key ``measure``)."""
        return self.measure

    def reads(self) -> list[MetricUse]:
        """Every metric the component reads, the one it is paid on first."""
        raise NotImplementedError

    @property
    def paid_on(self) -> str:
        """The metric the component is paid on, as a statement names it."""
        return self.reads()[0].name

    def compile(self) -> Callable[..., np.ndarray]:
        """The rule as the array function the engine keeps for a whole run."""
        raise NotImplementedError

    def cliffs(self) -> Cliffs | None:
        """Where one step more of the metric re-rates everything paid before it, or None."""
        return None

    def open_top(self) -> tuple[Any, ...] | None:
        """The key path of what keeps paying above target with no ceiling, or None."""
        return None


class TargetComponent(ComponentBase):
    weight: float = Field(gt=0, le=1, description="Share of the target incentive paid at target.")
    metric: str = Field(description="Metric the curve or tiers read, e.g. attainment.")

    in_ti: ClassVar[bool] = True

    def reads(self) -> list[MetricUse]:
        return [MetricUse(("metric",), self.metric)]

    def fraction(self, metric: np.ndarray, compiled: Callable[..., np.ndarray] | None = None) -> np.ndarray:
        """Fraction of target the curve or tiers pay at ``metric``."""
        return (compiled or self.compile())(metric)

    def reach_points(self) -> list[tuple[str, float, tuple[Any, ...], bool]]:
        """(threshold | excellence, metric value, key path, reached only strictly above it)."""
        return []

    def edges(self) -> list[float]:
        """The metric values where the pay curve bends or jumps (curve points, band edges)."""
        return []


class CurveComponent(TargetComponent):
    """Paid as curve(metric) x weight x period TI."""

    curve: Curve

    kind: ClassVar[str] = "curve"

    def compile(self) -> PiecewiseLinear:
        return compile_curve(self.curve)

    def edges(self) -> list[float]:
        return [x for x, _ in self.curve.points]

    def cliffs(self) -> Cliffs | None:
        steps = self.curve.steps()
        return Cliffs("step-cliff", ("curve", "points"), steps) if steps else None

    def open_top(self) -> tuple[Any, ...] | None:
        last = np.array([self.curve.points[-1][0], self.curve.points[-1][0] + 1.0])
        if self.curve.cap is None and self.curve.beyond == "extend" and np.diff(self.fraction(last))[0] > 0:
            return ("curve", "beyond")
        return None

    def reach_points(self) -> list[tuple[str, float, tuple[Any, ...], bool]]:
        points = self.curve.points
        found = []
        if points[0][0] > 0:
            found.append(("threshold", points[0][0], ("curve", "points", 0), False))
        if len(points) > 1 and points[-1][0] > points[0][0]:
            found.append(("excellence", points[-1][0], ("curve", "points", len(points) - 1), False))
        return found


class TiersComponent(TargetComponent):
    """Paid as tiers(metric) x weight x period TI."""

    tiers: Tiers

    kind: ClassVar[str] = "tiers"

    def compile(self) -> PiecewiseLinear:
        return compile_tiers(self.tiers)

    def edges(self) -> list[float]:
        return [b.to for b in self.tiers.bands if b.to is not None]

    def cliffs(self) -> Cliffs | None:
        if self.tiers.mode != "retroactive" or len(self.tiers.bands) < 2:
            return None
        return Cliffs("retro-cliff", ("tiers",), [b.to for b in self.tiers.bands[:-1]])

    def open_top(self) -> tuple[Any, ...] | None:
        if self.tiers.cap is None and self.tiers.bands[-1].rate > 0:
            return ("tiers", "bands", len(self.tiers.bands) - 1)
        return None

    def reach_points(self) -> list[tuple[str, float, tuple[Any, ...], bool]]:
        bands = self.tiers.bands
        found = []
        if bands[0].rate == 0 and bands[0].to is not None:
            found.append(("threshold", bands[0].to, ("tiers", "bands", 0, "to"), True))
        if len(bands) > 1:
            found.append(("excellence", bands[-2].to, ("tiers", "bands", len(bands) - 2, "to"), True))
        return found


class MoneyComponent(ComponentBase):
    """Outside TI: pays money directly."""

    def money(self, value: np.ndarray, metrics: WindowMetrics, periods: np.ndarray | float,
              compiled: Callable[..., np.ndarray] | None = None) -> np.ndarray:
        """Money over each window from the metric it is paid on (``periods``: the periods each
        window spans, which scale a per-period money cap)."""
        raise NotImplementedError


class CommissionComponent(MoneyComponent):
    """Outside TI: a rate on money, by bands."""

    commission: Commission

    kind: ClassVar[str] = "commission"

    def reads(self) -> list[MetricUse]:
        uses = [MetricUse(("commission", "basis"), self.commission.basis, ("money", "count"),
                          "a commission is paid on an additive money metric such as bookings or team_bookings",
                          additive=True)]
        if self.commission.relative_to == "quota":
            uses.append(MetricUse(("commission", "relative_to"), "quota"))
        return uses

    def compile(self) -> PiecewiseLinear:
        return compile_bands(self.commission.bands, self.commission.mode)

    def money(self, value: np.ndarray, metrics: WindowMetrics, periods: np.ndarray | float,
              compiled: Callable[..., np.ndarray] | None = None) -> np.ndarray:
        rule = self.commission
        quota = None
        if rule.relative_to == "quota":
            metrics.relative_to_quota(rule.basis)  # reports a basis over a zero quota
            quota = metrics.value("quota")
        return commission(value, rule, quota=quota, periods=periods, bands=compiled)

    def cliffs(self) -> Cliffs | None:
        if self.commission.mode != "retroactive" or len(self.commission.bands) < 2:
            return None
        return Cliffs("retro-cliff", ("commission",), [b.to for b in self.commission.bands[:-1]])

    def open_top(self) -> tuple[Any, ...] | None:
        if self.commission.cap is None and self.commission.bands[-1].rate > 0:
            return ("commission", "bands", len(self.commission.bands) - 1)
        return None


class SpiffComponent(MoneyComponent):
    """Outside TI: fixed money per unit of a count."""

    spiff: Spiff

    kind: ClassVar[str] = "spiff"

    def reads(self) -> list[MetricUse]:
        return [MetricUse(("spiff", "metric"), self.spiff.metric, ("count",),
                          "a SPIFF pays per unit of a count metric such as new_logos")]

    def compile(self) -> Callable[..., np.ndarray]:
        return lambda count, periods=1.0: spiff(count, self.spiff, periods)

    def money(self, value: np.ndarray, metrics: WindowMetrics, periods: np.ndarray | float,
              compiled: Callable[..., np.ndarray] | None = None) -> np.ndarray:
        return spiff(value, self.spiff, periods)


COMPONENT_KINDS: tuple[type[ComponentBase], ...] = (CurveComponent, TiersComponent, CommissionComponent,
                                                    SpiffComponent)


# --------------------------------------------------------------------------- modifiers


class ModifierBase(StrictModel):
    id: str = Field(pattern=SLUG, description="Unique id of the modifier.")
    applies_to: list[str] = Field(min_length=1, description="Ids of the components it modifies.")

    kind: ClassVar[str]

    @property
    def rule(self) -> Gate | Multiplier:
        return getattr(self, self.kind)

    @property
    def metric(self) -> str:
        return self.rule.metric

    def reads(self) -> list[MetricUse]:
        return [MetricUse((self.kind, "metric"), self.metric)]


class MultiplierModifier(ModifierBase):
    """The product of a component's multipliers scales its money."""

    multiplier: Multiplier

    kind: ClassVar[str] = "multiplier"

    def compile(self) -> PiecewiseLinear:
        return compile_curve(self.multiplier.as_curve())


class GateModifier(ModifierBase):
    """A closed gate caps the fraction (or, outside TI, stops the money)."""

    gate: Gate

    kind: ClassVar[str] = "gate"

    def compile(self) -> Callable[[np.ndarray], np.ndarray]:
        return lambda metric: gate_open(metric, self.gate)


MODIFIER_KINDS: tuple[type[ModifierBase], ...] = (MultiplierModifier, GateModifier)
