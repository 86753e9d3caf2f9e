"""The plan language as pydantic models: the single source of validation, defaults, docs and schema.

Field rules (a curve's x values increase, bands ascend) live on their model; rules that span
the plan (weights sum to 1, every metric resolves, ``applies_to`` names a component) live in
``Plan._plan_rules`` and report each broken rule at its own key path.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from comp_sim.limits import MAX_METRIC_DEPTH, MAX_NUMBER, MAX_PLAN_METRICS, NUMBER_RULE
from comp_sim.periods import Month
from comp_sim.plan.metrics import (
    BUILTIN_METRICS,
    TARGETABLE_BUILTINS,
    MetricKind,
    split_target,
)

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
METRIC_NAME = r"^[a-z][a-z0-9_]*$"
WEIGHT_TOLERANCE = 1e-9
# Union tags appear in pydantic's error locations; they start with this so loaders can drop them.
TAG_PREFIX = "kind:"

Scalar = Union[str, bool, int, float]


class StrictModel(BaseModel):
    """Unknown keys are errors; models are immutable once validated; every number (money,
    thresholds, rates, curve points) is finite and within ``MAX_NUMBER``, since a NaN gate
    minimum or a rate of 1e308 would silently change or overflow every payout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        numbers = value if isinstance(value, list) and all(isinstance(v, tuple) for v in value) else [value]
        for number in (n for item in numbers for n in (item if isinstance(item, tuple) else (item,))):
            if isinstance(number, float) and not (math.isfinite(number) and abs(number) <= MAX_NUMBER):
                raise PydanticCustomError("number_range", NUMBER_RULE + " (got {number})", {"number": number})
        return value


# --------------------------------------------------------------------------- curves and bands


def _check_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """x values must increase; one repeat of an x makes a step (right-continuous)."""
    for i in range(1, len(points)):
        prev, cur = points[i - 1][0], points[i][0]
        if cur < prev:
            raise PydanticCustomError(
                "points_order",
                "x values must increase (got {cur} after {prev})",
                {"cur": cur, "prev": prev},
            )
        if cur == prev and i >= 2 and points[i - 2][0] == cur:
            raise PydanticCustomError(
                "points_order",
                "an x value may repeat once to make a step, not more (got {cur} three times)",
                {"cur": cur},
            )
    return points


Points = Annotated[
    list[tuple[float, float]],
    Field(
        min_length=1,
        description="(metric, value) pairs with x increasing; repeat an x once for a step.",
    ),
]


class Curve(StrictModel):
    """Piecewise-linear payout curve: metric -> fraction of target."""

    points: Points
    below: float = Field(0.0, description="Fraction paid below the first point (a threshold).")
    beyond: Literal["extend", "hold"] = Field(
        "extend",
        description="After the last point: `extend` continues the last slope, `hold` keeps the last value.",
    )
    cap: float | None = Field(None, ge=0, description="Ceiling on the fraction (none by default).")

    _points_order = field_validator("points")(_check_points)


class Band(StrictModel):
    """One band of a tier or commission table, covering (previous `to`, `to`]."""

    to: float | None = Field(
        None, gt=0, description="Upper edge of the band, included; omitted on the last band only."
    )
    rate: float = Field(ge=0, description="Rate applied inside the band.")


def _check_bands(bands: list[Band]) -> list[Band]:
    """Edges ascend and only the last band is open-ended."""
    for i, band in enumerate(bands):
        last = i == len(bands) - 1
        if last and band.to is not None:
            raise PydanticCustomError(
                "bands_open",
                "the last band must have no `to`: it holds everything above the previous edge "
                "(got to: {to})",
                {"to": band.to},
            )
        if not last and band.to is None:
            raise PydanticCustomError(
                "bands_open",
                "only the last band may omit `to` (band {index} has none)",
                {"index": i + 1},
            )
        if i and band.to is not None and band.to <= bands[i - 1].to:
            raise PydanticCustomError(
                "bands_order",
                "band edges must increase (got {to} after {prev})",
                {"to": band.to, "prev": bands[i - 1].to},
            )
    return bands


Bands = Annotated[list[Band], Field(min_length=1, description="Bands in ascending order.")]


class Tiers(StrictModel):
    """Rate bands over the metric; rates are multiples of the base commission rate."""

    mode: Literal["marginal", "retroactive"] = Field(
        "marginal",
        description="`marginal`: each band's rate on the part of the metric inside it; "
        "`retroactive`: the rate of the band the metric ends in applies to all of it.",
    )
    bands: Bands
    cap: float | None = Field(None, ge=0, description="Ceiling on the fraction (none by default).")

    _bands_order = field_validator("bands")(_check_bands)


class Commission(StrictModel):
    """Money bands over a money metric; rates are fractions of the basis."""

    basis: str = Field("bookings", description="Money metric the commission is paid on.")
    mode: Literal["marginal", "retroactive"] = Field(
        "marginal", description="How band rates apply, as for tiers."
    )
    bands: Bands
    relative_to: Literal["quota"] | None = Field(
        None, description="`quota`: band edges are multiples of the rep's quota, not money."
    )
    cap: float | None = Field(None, ge=0, description="Most money paid per period (none by default).")

    _bands_order = field_validator("bands")(_check_bands)


class Spiff(StrictModel):
    """Fixed money per unit of a count metric."""

    metric: str = Field(description="Count metric paid per unit, e.g. new_logos.")
    amount: float = Field(gt=0, description="Money per unit.")
    cap: float | None = Field(None, ge=0, description="Most money paid per period (none by default).")


# --------------------------------------------------------------------------- components

Measure = Literal["month", "quarter", "half", "year"]


class ComponentBase(StrictModel):
    id: str = Field(pattern=SLUG, description="Unique id of the component, e.g. revenue.")
    label: str | None = Field(None, description="Display name (defaults to the id).")
    measure: Measure = Field(
        "month", description="Period the component is measured and paid on: month | quarter | half | year."
    )
    cumulative: bool = Field(
        False,
        description="Measure year-to-date and pay a true-up each period (earned-to-date minus paid-to-date).",
    )

    @property
    def name(self) -> str:
        return self.label or self.id


class TargetComponent(ComponentBase):
    weight: float = Field(gt=0, le=1, description="Share of the target incentive paid at target.")
    metric: str = Field(description="Metric the curve or tiers read, e.g. attainment.")


class CurveComponent(TargetComponent):
    """Paid as curve(metric) x weight x period TI."""

    curve: Curve


class TiersComponent(TargetComponent):
    """Paid as tiers(metric) x weight x period TI."""

    tiers: Tiers


class CommissionComponent(ComponentBase):
    """Outside TI: a rate on money, by bands."""

    commission: Commission


class SpiffComponent(ComponentBase):
    """Outside TI: fixed money per unit of a count."""

    spiff: Spiff


COMPONENT_KINDS = ("curve", "tiers", "commission", "spiff")


def _kind_of(value: Any, kinds: tuple[str, ...]) -> str | None:
    if isinstance(value, BaseModel):
        found = [k for k in kinds if getattr(value, k, None) is not None]
    elif isinstance(value, dict):
        found = [k for k in kinds if k in value]
    else:
        return None
    return TAG_PREFIX + found[0] if len(found) == 1 else None


Component = Annotated[
    Union[
        Annotated[CurveComponent, Tag(TAG_PREFIX + "curve")],
        Annotated[TiersComponent, Tag(TAG_PREFIX + "tiers")],
        Annotated[CommissionComponent, Tag(TAG_PREFIX + "commission")],
        Annotated[SpiffComponent, Tag(TAG_PREFIX + "spiff")],
    ],
    Discriminator(
        lambda v: _kind_of(v, COMPONENT_KINDS),
        custom_error_type="component_kind",
        custom_error_message="a component needs exactly one of curve, tiers, commission or spiff",
    ),
]


# --------------------------------------------------------------------------- modifiers


class Multiplier(StrictModel):
    """A curve whose value multiplies the money of the components it applies to."""

    metric: str = Field(description="Metric the multiplier reads, e.g. strategic_mix.")
    points: Points
    below: float | None = Field(None, description="Value below the first point (default: its y).")
    beyond: Literal["extend", "hold"] = Field(
        "hold", description="After the last point: `hold` (default) or `extend`."
    )

    _points_order = field_validator("points")(_check_points)

    def as_curve(self) -> Curve:
        """The equivalent curve, with ``below`` defaulting to the first point's y."""
        below = self.points[0][1] if self.below is None else self.below
        return Curve(points=self.points, below=below, beyond=self.beyond)


class Gate(StrictModel):
    """While the gate metric is under `min`, the fraction is capped at `cap_when_closed`."""

    metric: str = Field(description="Metric the gate reads, e.g. new_logos.")
    min: float = Field(description="The gate is open when the metric is at least this.")
    cap_when_closed: float = Field(
        0.0, ge=0, description="Ceiling on the fraction while closed; 0 means not paid."
    )


class ModifierBase(StrictModel):
    id: str = Field(pattern=SLUG, description="Unique id of the modifier.")
    applies_to: list[str] = Field(min_length=1, description="Ids of the components it modifies.")


class MultiplierModifier(ModifierBase):
    multiplier: Multiplier


class GateModifier(ModifierBase):
    gate: Gate


MODIFIER_KINDS = ("multiplier", "gate")

Modifier = Annotated[
    Union[
        Annotated[MultiplierModifier, Tag(TAG_PREFIX + "multiplier")],
        Annotated[GateModifier, Tag(TAG_PREFIX + "gate")],
    ],
    Discriminator(
        lambda v: _kind_of(v, MODIFIER_KINDS),
        custom_error_type="modifier_kind",
        custom_error_message="a modifier needs exactly one of multiplier or gate",
    ),
]


# --------------------------------------------------------------------------- plan metrics

WhereValue = Union[Scalar, list[Scalar]]


class SumMetric(StrictModel):
    """Sum of a deal column (credited: value x split) over the deals matching `where`."""

    sum: str = Field(description="Deal column to add up, e.g. amount.")
    where: dict[str, WhereValue] = Field(
        default_factory=dict, description="Deal column -> value or list of values to keep."
    )


class CountMetric(StrictModel):
    """Number of credited deals (split > 0) matching `where`."""

    count: Literal["deals", "new_logos"] = Field(description="What to count: deals | new_logos.")
    where: dict[str, WhereValue] = Field(
        default_factory=dict, description="Deal column -> value or list of values to keep."
    )


class RatioMetric(StrictModel):
    """One metric divided by another over the same window; 0 / 0 is 0."""

    ratio: tuple[str, str] = Field(description="[numerator, denominator] metric names.")
    on_zero: float | None = Field(
        None,
        description="Value when the denominator is 0 and the numerator is not "
        "(default: a data error).",
    )


METRIC_KINDS = ("sum", "count", "ratio")

MetricDef = Annotated[
    Union[
        Annotated[SumMetric, Tag(TAG_PREFIX + "sum")],
        Annotated[CountMetric, Tag(TAG_PREFIX + "count")],
        Annotated[RatioMetric, Tag(TAG_PREFIX + "ratio")],
    ],
    Discriminator(
        lambda v: _kind_of(v, METRIC_KINDS),
        custom_error_type="metric_kind",
        custom_error_message="a plan metric needs exactly one of sum, count or ratio",
    ),
]


# --------------------------------------------------------------------------- plan


class Role(StrictModel):
    target_incentive: float = Field(
        ge=0, description="Annual target incentive (TI) for reps of this role."
    )


class PlanCap(StrictModel):
    multiple_of_ti: float = Field(
        gt=0, description="A rep's plan-year payout never exceeds this multiple of prorated TI."
    )


class Plan(StrictModel):
    """A compensation plan: weighted components, modifiers and a cap over one plan year."""

    plan: str = Field(min_length=1, description="Display name.")
    id: str = Field(pattern=SLUG, description="Slug, unique among loaded plans.")
    start: str = Field(description="First month of the plan year, YYYY-MM.")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO currency code.")
    description: str = Field("", description="What the plan is meant to reward.")
    roles: dict[str, Role] = Field(
        min_length=1, description="Roles the plan covers, with their default annual TI."
    )
    metrics: dict[str, MetricDef] = Field(
        default_factory=dict, max_length=MAX_PLAN_METRICS, description="Plan-defined metrics by name."
    )
    components: list[Component] = Field(min_length=1, description="What the plan pays for.")
    modifiers: list[Modifier] = Field(default_factory=list, description="Gates and multipliers.")
    cap: PlanCap | None = Field(None, description="Annual cap on a rep's total payout.")
    negative_true_up: Literal["hold", "claw_back"] = Field(
        "hold",
        description="A negative cumulative true-up is held (recovered from later earnings) "
        "or clawed back (paid as a negative amount).",
    )

    @field_validator("start", mode="before")
    @classmethod
    def _start_is_month(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "month", "a month is written YYYY-MM in quotes or plain, e.g. 2027-01", {}
            )
        try:
            return str(Month.parse(value))
        except ValueError as exc:
            raise PydanticCustomError("month", str(exc), {}) from None

    @property
    def start_month(self) -> Month:
        return Month.parse(self.start)

    def component(self, component_id: str) -> ComponentBase:
        return next(c for c in self.components if c.id == component_id)

    def metric_kind(self, name: str) -> MetricKind | None:
        """Kind of a metric name, or None when it does not resolve."""
        target_of = split_target(name)
        if target_of is not None:
            base = self.metric_kind(target_of)
            targetable = target_of in TARGETABLE_BUILTINS or isinstance(
                self.metrics.get(target_of), (SumMetric, CountMetric)
            )
            return base if targetable else None
        if name in BUILTIN_METRICS:
            return BUILTIN_METRICS[name].kind
        definition = self.metrics.get(name)
        if isinstance(definition, SumMetric):
            return "money"
        if isinstance(definition, CountMetric):
            return "count"
        if isinstance(definition, RatioMetric):
            return "ratio"
        return None

    @model_validator(mode="after")
    def _plan_rules(self) -> Plan:
        issues = plan_rule_issues(self)
        if issues:
            details = "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg, _ in issues)
            raise PydanticCustomError(
                "plan_rules", "{details}", {"details": details, "issues": issues}
            )
        return self


# --------------------------------------------------------------------------- plan-wide rules

RuleIssue = tuple[tuple[Any, ...], str, Any]  # (key path, rule, value or None when the rule says it)


def plan_rule_issues(plan: Plan) -> list[RuleIssue]:
    """Every broken plan-wide rule as (key path, rule, value)."""
    issues: list[RuleIssue] = []
    issues += _unique_ids(plan)
    issues += _weights_sum_to_one(plan)
    issues += _metric_references(plan)
    issues += _metric_cycles(plan)
    issues += _modifier_targets(plan)
    return issues


def _unique_ids(plan: Plan) -> list[RuleIssue]:
    issues = []
    for field in ("components", "modifiers"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(plan, field)):
            if item.id in seen:
                issues.append(((field, i, "id"), f"id '{item.id}' is used twice", item.id))
            seen.add(item.id)
    component_ids = {c.id for c in plan.components}
    for i, modifier in enumerate(plan.modifiers):
        if modifier.id in component_ids:
            issues.append(
                (("modifiers", i, "id"), f"id '{modifier.id}' is already a component id", modifier.id)
            )
    for name in plan.metrics:
        if name in BUILTIN_METRICS:
            issues.append((("metrics", name), f"'{name}' is a built-in metric; choose another name", name))
        elif not re.match(METRIC_NAME, name):
            issues.append(
                (("metrics", name), "a metric name is lower case letters, digits and _", name)
            )
    return issues


def _weights_sum_to_one(plan: Plan) -> list[RuleIssue]:
    weighted = [c for c in plan.components if isinstance(c, TargetComponent)]
    if not weighted:
        return []
    total = math.fsum(c.weight for c in weighted)
    if abs(total - 1.0) <= WEIGHT_TOLERANCE:
        return []
    terms = " + ".join(f"{c.id} {c.weight:g}" for c in weighted)
    return [(("components",), f"weights of weighted components sum to {total:g}, not 1 ({terms})", total)]


def _metric_uses(plan: Plan) -> list[tuple[tuple[Any, ...], str, tuple[MetricKind, ...] | None, str]]:
    """Every metric reference: (key path, name, kinds allowed or None for any, why)."""
    uses: list[tuple[tuple[Any, ...], str, tuple[MetricKind, ...] | None, str]] = []
    for i, c in enumerate(plan.components):
        if isinstance(c, TargetComponent):
            uses.append((("components", i, "metric"), c.metric, None, ""))
        elif isinstance(c, CommissionComponent):
            uses.append(
                (("components", i, "commission", "basis"), c.commission.basis, ("money",),
                 "a commission is paid on a money metric such as bookings")
            )
        elif isinstance(c, SpiffComponent):
            uses.append(
                (("components", i, "spiff", "metric"), c.spiff.metric, ("count",),
                 "a SPIFF pays per unit of a count metric such as new_logos")
            )
    for i, m in enumerate(plan.modifiers):
        body = m.multiplier if isinstance(m, MultiplierModifier) else m.gate
        kind = "multiplier" if isinstance(m, MultiplierModifier) else "gate"
        uses.append((("modifiers", i, kind, "metric"), body.metric, None, ""))
    for name, definition in plan.metrics.items():
        if isinstance(definition, RatioMetric):
            for j, operand in enumerate(definition.ratio):
                uses.append((("metrics", name, "ratio", j), operand, None, ""))
    return uses


def _metric_references(plan: Plan) -> list[RuleIssue]:
    issues = []
    known = sorted(set(BUILTIN_METRICS) | set(plan.metrics))
    for loc, name, kinds, why in _metric_uses(plan):
        kind = plan.metric_kind(name)
        if kind is None:
            target_of = split_target(name)
            if target_of is not None:
                rule = (
                    f"'{name}' does not resolve: targets exist for additive metrics "
                    f"({', '.join(TARGETABLE_BUILTINS)} and plan sum/count metrics)"
                )
            else:
                rule = f"unknown metric '{name}' (known: {', '.join(known)}, target.NAME)"
            issues.append((loc, rule, name))
        elif kinds is not None and kind not in kinds:
            issues.append((loc, f"{why}; '{name}' is a {kind} metric", name))
    return issues


def _metric_cycles(plan: Plan) -> list[RuleIssue]:
    """Ratio metrics may not refer to themselves, directly or through others, nor nest deeper
    than ``MAX_METRIC_DEPTH`` (each level doubles what a metric reads). One depth-first walk:
    each metric and each reference is visited once."""
    operands = {name: [m for m in d.ratio if isinstance(plan.metrics.get(m), RatioMetric)]
                for name, d in plan.metrics.items() if isinstance(d, RatioMetric)}
    issues: list[RuleIssue] = []
    depth: dict[str, int] = {}  # metrics walked: 1 + the depth of their deepest ratio operand
    on_walk: dict[str, int] = {}  # metrics on the current path -> their place on it
    in_cycle: set[str] = set()
    for root in operands:
        if root in depth:
            continue
        walk = [(root, iter(operands[root]))]
        on_walk[root] = 0
        while walk:
            name, rest = walk[-1]
            operand = next(rest, None)
            if operand is None:
                walk.pop()
                del on_walk[name]
                depth[name] = 1 + max((depth.get(m, 0) for m in operands[name]), default=0)
                if depth[name] == MAX_METRIC_DEPTH + 1:
                    issues.append((("metrics", name, "ratio"), f"ratio metrics nest at most {MAX_METRIC_DEPTH} "
                                   f"deep (each level doubles what a metric reads); '{name}' nests {depth[name]}",
                                   None))
            elif operand in on_walk and operand not in in_cycle:  # each metric's first cycle
                in_cycle.add(operand)
                cycle = " -> ".join([n for n, _ in walk[on_walk[operand]:]] + [operand])
                issues.append((("metrics", operand, "ratio"), f"metrics refer to each other in a cycle: {cycle}", None))
            elif operand not in depth and operand not in on_walk:
                on_walk[operand] = len(walk)
                walk.append((operand, iter(operands[operand])))
    return issues


def _modifier_targets(plan: Plan) -> list[RuleIssue]:
    issues = []
    components = {c.id: c for c in plan.components}
    for i, modifier in enumerate(plan.modifiers):
        for j, target in enumerate(modifier.applies_to):
            component = components.get(target)
            if component is None:
                issues.append(
                    (("modifiers", i, "applies_to", j),
                     f"no component '{target}' (components: {', '.join(components)})", target)
                )
            elif (
                isinstance(modifier, GateModifier)
                and modifier.gate.cap_when_closed > 0
                and not isinstance(component, TargetComponent)
            ):
                issues.append(
                    (("modifiers", i, "gate", "cap_when_closed"),
                     f"'{target}' pays money, not a fraction of target: a gate on it can only "
                     "close it (cap_when_closed: 0)", modifier.gate.cap_when_closed)
                )
    return issues
