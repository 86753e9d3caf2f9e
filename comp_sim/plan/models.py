"""The plan: the single source of validation, defaults, docs and schema.

A plan combines the kinds declared in ``comp_sim.plan.components`` (components and modifiers)
and ``comp_sim.plan.metrics`` (metrics); its discriminated unions are built from those
declarations, so a new kind is added there, once. Field rules (a curve's x values increase,
bands ascend) live on their model; rules that span the plan (weights sum to 1, every metric
resolves, ``applies_to`` names a component) live in ``plan_rule_issues`` and report each broken
rule at its own key path.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    PlainSerializer,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from comp_sim.limits import MAX_METRIC_DEPTH, MAX_PLAN_METRICS
from comp_sim.measures import Measure, split_target
from comp_sim.periods import Month
from comp_sim.plan.components import (
    COMPONENT_KINDS,
    MODIFIER_KINDS,
    ComponentBase,
    GateModifier,
    MetricUse,
    ModifierBase,
    MultiplierModifier,
    TargetComponent,
)
from comp_sim.plan.metrics import (
    BUILTIN_METRICS,
    METRIC_KINDS,
    Metric,
    MetricKind,
    RatioMetric,
    Tag as MetricTag,
    TargetMetric,
    targetable,
)
from comp_sim.plan.rules import Draw, Ramp, StrictModel

METRIC_NAME = r"^[a-z][a-z0-9_]*$"
WEIGHT_TOLERANCE = 1e-9
# Union tags appear in pydantic's error locations; they start with this so loaders can drop them.
TAG_PREFIX = "kind:"


def _kind_of(value: Any, kinds: tuple[str, ...]) -> str | None:
    if isinstance(value, BaseModel):
        found = [k for k in kinds if getattr(value, k, None) is not None]
    elif isinstance(value, dict):
        found = [k for k in kinds if k in value]
    else:
        return None
    return TAG_PREFIX + found[0] if len(found) == 1 else None


def _one_of(kinds: list[str]) -> str:
    return ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]


def tagged_union(kinds: dict[str, type[BaseModel]], what: str, error_type: str) -> Any:
    """A discriminated union of models told apart by which of their keys a mapping has."""
    keys = tuple(kinds)
    members = tuple(Annotated[model, Tag(TAG_PREFIX + key)] for key, model in kinds.items())
    return Annotated[
        Union[members],  # type: ignore[valid-type]
        Discriminator(lambda v: _kind_of(v, keys), custom_error_type=error_type,
                      custom_error_message=f"{what} needs exactly one of {_one_of(list(keys))}"),
    ]


Component = tagged_union({k.kind: k for k in COMPONENT_KINDS}, "a component", "component_kind")
Modifier = tagged_union({k.kind: k for k in MODIFIER_KINDS}, "a modifier", "modifier_kind")
MetricDef = tagged_union(METRIC_KINDS, "a plan metric", "metric_kind")


def _month(value: Any) -> Month:
    if isinstance(value, Month):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("month", "a month is written YYYY-MM in quotes or plain, e.g. 2027-01", {})
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise PydanticCustomError("month", str(exc), {}) from None


PlanMonth = Annotated[
    Month,
    BeforeValidator(_month),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}),
]


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
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Slug, unique among loaded plans.")
    start: PlanMonth = Field(description="First month of the plan year, YYYY-MM.")
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
    ramp: Ramp | None = Field(None, description="New hires' targets ramped by tenure month.")
    draw: Draw | None = Field(None, description="A draw against pay, recoverable or a guarantee; the cap "
                                                "neither cuts nor counts it.")
    negative_true_up: Literal["hold", "claw_back"] = Field(
        "hold",
        description="A negative cumulative true-up is held (recovered from later earnings) "
        "or clawed back (paid as a negative amount).",
    )

    # Where the plan came from (set by the loader), for messages that point at its lines.
    _source: str = PrivateAttr("<plan>")
    _tree: Any = PrivateAttr(None)

    def __eq__(self, other: object) -> bool:
        """Plans are equal when their keys are, wherever they were read from."""
        return isinstance(other, Plan) and self.__dict__ == other.__dict__

    __hash__ = StrictModel.__hash__

    @property
    def source(self) -> str:
        """The plan file (or ``<plan>``) that messages about the plan name."""
        return self._source

    def position(self, loc: tuple, at_key: bool = False) -> tuple[int | None, int | None]:
        """1-based line and column of the deepest node of ``loc`` in the plan file (None, None
        for a plan not read from YAML)."""
        return position(self._tree, loc, at_key)

    def located(self, source: str, tree: Any) -> Plan:
        """This plan, remembering the file and YAML tree it was read from."""
        self._source, self._tree = source, tree
        return self

    def component(self, component_id: str) -> ComponentBase:
        return next(c for c in self.components if c.id == component_id)

    def modifiers_of(self, component_id: str) -> tuple[list[GateModifier], list[MultiplierModifier]]:
        """The gates and multipliers that apply to a component, in plan order."""
        mine = [m for m in self.modifiers if component_id in m.applies_to]
        return ([m for m in mine if isinstance(m, GateModifier)],
                [m for m in mine if isinstance(m, MultiplierModifier)])

    # ------------------------------------------------------------------- metrics

    def metric(self, name: str) -> Metric | None:
        """The definition of a metric name, or None when it does not resolve."""
        target_of = split_target(name)
        if target_of is not None:
            base = self.metric(target_of)
            if base is None or not targetable(target_of, base):
                return None
            return TargetMetric(target_of, base.definition_kind(self), base.tags_of(self))
        if name in BUILTIN_METRICS:
            return BUILTIN_METRICS[name]
        return self.metrics.get(name)

    def metric_kind(self, name: str) -> MetricKind | None:
        """Kind of a metric name, or None when it does not resolve."""
        definition = self.metric(name)
        return None if definition is None else definition.definition_kind(self)

    def measures_of(self, name: str) -> tuple[Measure, ...]:
        """The monthly measures a metric is computed from."""
        return self._resolved(name).measures_of(self, name)

    def tags_of(self, name: str) -> frozenset[MetricTag]:
        """How insight classifies a metric (grows with bookings, reads new logos, ...)."""
        return self._resolved(name).tags_of(self)

    def _resolved(self, name: str) -> Metric:
        definition = self.metric(name)
        if definition is None:
            raise KeyError(f"plan {self.id} has no metric '{name}'")
        return definition

    def reads(self) -> list[MetricUse]:
        """Every metric the plan reads, with its full key path: components (the one each is
        paid on first), modifiers, and the operands of ratio metrics."""
        uses: list[MetricUse] = []
        for i, c in enumerate(self.components):
            uses += [MetricUse(("components", i, *u.loc), u.name, u.kinds, u.why) for u in c.reads()]
        for i, m in enumerate(self.modifiers):
            uses += [MetricUse(("modifiers", i, *u.loc), u.name, u.kinds, u.why) for u in m.reads()]
        for name, definition in self.metrics.items():
            uses += [MetricUse(("metrics", name, *u.loc), u.name, u.kinds, u.why, u.additive)
                     for u in definition.references()]
        return uses

    @model_validator(mode="after")
    def _plan_rules(self) -> Plan:
        issues = plan_rule_issues(self)
        if issues:
            details = "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg, _ in issues)
            raise PydanticCustomError(
                "plan_rules", "{details}", {"details": details, "issues": issues}
            )
        return self


def position(tree: Any, loc: tuple, at_key: bool = False) -> tuple[int | None, int | None]:
    """1-based line and column of the deepest node of ``loc`` that exists in a YAML tree (the
    key itself with ``at_key``); (None, None) without a tree."""
    if tree is None:
        return None, None
    node = tree
    found = (1, 1)
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, CommentedMap) and part in node:
            line, col = node.lc.key(part) if (last and at_key) else node.lc.value(part)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, col = node.lc.item(part)
            node = node[part]
        else:
            break
        found = (line + 1, col + 1)
    return found


# --------------------------------------------------------------------------- plan-wide rules

RuleIssue = tuple[tuple[Any, ...], str, Any]  # (key path, rule, value or None when the rule says it)


def plan_rule_issues(plan: Plan) -> list[RuleIssue]:
    """Every broken plan-wide rule as (key path, rule, value)."""
    issues: list[RuleIssue] = []
    issues += _unique_ids(plan)
    issues += _weights_sum_to_one(plan)
    issues += _metric_references(plan)
    issues += _metric_cycles(plan)
    issues += _metric_depth(plan)
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


def _metric_references(plan: Plan) -> list[RuleIssue]:
    issues = []
    known = sorted(set(BUILTIN_METRICS) | set(plan.metrics))
    targets = [name for name, m in {**BUILTIN_METRICS, **plan.metrics}.items() if targetable(name, m)]
    for use in plan.reads():
        kind = plan.metric_kind(use.name)
        if kind is None:
            if split_target(use.name) is not None:
                builtins = [t for t in targets if t in BUILTIN_METRICS]
                rule = (f"'{use.name}' does not resolve: targets exist for additive metrics "
                        f"({', '.join(builtins)} and plan sum/count metrics)")
            else:
                rule = f"unknown metric '{use.name}' (known: {', '.join(known)}, target.NAME)"
            issues.append((use.loc, rule, use.name))
        elif use.kinds is not None and kind not in use.kinds:
            issues.append((use.loc, f"{use.why}; '{use.name}' is a {kind} metric", use.name))
        elif use.additive and not plan.metric(use.name).additive:
            issues.append((use.loc, f"{use.why}; '{use.name}' does not add up over reps", use.name))
    return issues


def _metric_cycles(plan: Plan) -> list[RuleIssue]:
    """Plan metrics may not refer to themselves, directly or through others. One depth-first
    walk over the metric graph visits each metric and reference once; each metric on a cycle is
    reported once, at its own key path, with the cycle read from it."""
    issues: list[RuleIssue] = []
    done: set[str] = set()
    reported: set[str] = set()
    for start in plan.metrics:
        if start in done:
            continue
        trail, on_trail = [start], {start}
        stack = [iter(u.name for u in plan.metrics[start].references())]
        while stack:
            operand = next(stack[-1], None)
            if operand is None:
                stack.pop()
                finished = trail.pop()
                on_trail.discard(finished)
                done.add(finished)
            elif operand in on_trail:
                cycle = trail[trail.index(operand):]
                for turn, name in enumerate(cycle):
                    if name not in reported:
                        reported.add(name)
                        path = " -> ".join([*cycle[turn:], *cycle[:turn], name])
                        key = plan.metrics[name].references()[0].loc[0]  # ratio or team
                        issues.append((("metrics", name, key), f"metrics refer to each other in a cycle: {path}",
                                       None))
            elif operand in plan.metrics and operand not in done:
                trail.append(operand)
                on_trail.add(operand)
                stack.append(iter(u.name for u in plan.metrics[operand].references()))
    return sorted(issues, key=lambda issue: list(plan.metrics).index(issue[0][1]))


def _metric_depth(plan: Plan) -> list[RuleIssue]:
    """Plan metrics nest at most ``MAX_METRIC_DEPTH`` deep: each level of a ratio of ratios
    doubles what a metric reads (40 chained ratios read 2^40 measures). One depth-first walk
    gives each metric its depth once; cycles are ``_metric_cycles``' to report."""
    reads = {name: [u.name for u in metric.references() if u.name in plan.metrics]
             for name, metric in plan.metrics.items()}
    issues: list[RuleIssue] = []
    depth: dict[str, int] = {}  # 1 + the depth of the deepest plan metric a metric reads; 0 for none
    walking: set[str] = set()
    for root in reads:
        if root in depth:
            continue
        walk = [(root, iter(reads[root]))]
        walking.add(root)
        while walk:
            name, rest = walk[-1]
            operand = next(rest, None)
            if operand is None:
                walk.pop()
                walking.discard(name)
                depth[name] = max((depth.get(m, 0) + 1 for m in reads[name]), default=0)
                if depth[name] == MAX_METRIC_DEPTH + 1:
                    key = plan.metrics[name].references()[0].loc[0]  # ratio or team
                    issues.append((("metrics", name, key), f"metrics nest at most {MAX_METRIC_DEPTH} deep (each "
                                   f"level doubles what a metric reads); '{name}' nests {depth[name]}", None))
            elif operand not in depth and operand not in walking:
                walking.add(operand)
                walk.append((operand, iter(reads[operand])))
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
                and not component.in_ti
            ):
                issues.append(
                    (("modifiers", i, "gate", "cap_when_closed"),
                     f"'{target}' pays money, not a fraction of target: a gate on it can only "
                     "close it (cap_when_closed: 0)", modifier.gate.cap_when_closed)
                )
    return issues


__all__ = ["Plan", "Role", "PlanCap", "Component", "Modifier", "MetricDef", "ModifierBase", "plan_rule_issues",
           "TAG_PREFIX"]
