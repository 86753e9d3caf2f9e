"""The plan-language reference and JSON Schema, drawn from the models so they cannot drift.

``python -m comp_sim.plan.reference`` prints the Markdown reference kept in
``docs/plan-language.md``; ``plan_json_schema()`` is what ``comp-sim schema`` writes.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from comp_sim.plan import components, metrics, models, rules
from comp_sim.plan.metrics import BUILTIN_METRICS

SCHEMA_ID = "https://comp-sim.dev/schema/plan.schema.json"

# (heading, model, what it is) in reading order.
SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("Plan (top level)", models.Plan, "A plan file is one YAML mapping with these keys."),
    ("roles.ROLE", models.Role, "One entry per role the plan covers."),
    ("Components: common keys", components.ComponentBase, "Every component has these keys and exactly one of `curve`, `tiers`, `commission`, `spiff`."),
    ("Target components (`curve` or `tiers`)", components.TargetComponent, "Paid as fraction x weight x period TI."),
    ("curve", rules.Curve, "Piecewise-linear through `points`; below the first x pays `below`."),
    ("tiers", rules.Tiers, "Rate bands over the metric, in units of the metric; rates are multiples of the base commission rate (weight x TI / quota)."),
    ("bands[]", rules.Band, "A band covers (previous `to`, `to`]; the first starts at 0."),
    ("commission (outside TI)", rules.Commission, "Rates are fractions of the basis; band edges are money unless `relative_to: quota`."),
    ("spiff (outside TI)", rules.Spiff, "Money = amount x metric."),
    ("Modifiers: common keys", components.ModifierBase, "Every modifier has these keys and exactly one of `multiplier`, `gate`."),
    ("multiplier", rules.Multiplier, "The product of a component's multipliers scales its money."),
    ("gate", rules.Gate, "Gates apply to the fraction, before money."),
    ("metrics.NAME: sum", metrics.SumMetric, "A plan metric adding up a deal column."),
    ("metrics.NAME: count", metrics.CountMetric, "A plan metric counting deals."),
    ("metrics.NAME: ratio", metrics.RatioMetric, "A plan metric dividing two metrics over the same window."),
    ("metrics.NAME: team", metrics.TeamMetric, "A plan metric summing an additive metric over the rep's team "
     "(reps whose chain of managers, `reps.manager_id`, reaches the rep), for managers and directors."),
    ("cap", models.PlanCap, "The plan-wide annual cap."),
    ("ramp", rules.Ramp, "Tenure month 1 is the month holding the rep's hire date; a rep without one is past "
     "every ramp. Every target the plan reads is ramped, so team targets sum ramped targets."),
    ("draw", rules.Draw, "Per draw period, D = fraction_of_ti x the period's TI and P = what the components "
     "paid in it (after true-ups and the cap): where P < D a `draw` line pays D - P; where P > D a "
     "`draw_recovery` line recovers what the draw paid before (recoverable draws only). The balance left "
     "at the end of the year is `draw_outstanding`."),
]


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " | ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        names = list(dict.fromkeys(_type_name(a) for a in args if a is not type(None)))
        if len(names) > 3:
            return "value"
        suffix = " (optional)" if type(None) in args else ""
        return " or ".join(names) + suffix
    if origin in (list, tuple):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"list of {inner}" if origin is list else f"[{inner}]"
    if origin is dict:
        return f"mapping of {_type_name(args[1])}"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "mapping"
        return {"str": "text", "float": "number", "int": "integer", "bool": "true/false", "Month": "text"}.get(
            annotation.__name__, annotation.__name__)
    return str(annotation)


def _default(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "empty"
    if field.default is None or field.default is PydanticUndefined:
        return "none"
    if isinstance(field.default, bool):
        return str(field.default).lower()
    return f"`{field.default}`"


def model_table(model: type[BaseModel], *, own_only: bool = True) -> list[str]:
    """Markdown table rows of a model's keys: key, type, default, meaning."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    documented = {section[1] for section in SECTIONS}
    parents = [b for b in model.__mro__[1:] if b in documented]  # their keys have a table of their own
    inherited = {name for base in parents for name in base.model_fields} if own_only else set()
    for name, field in model.model_fields.items():
        if name in inherited:
            continue
        meaning = (field.description or "").replace("|", "\\|")
        type_text = _type_name(field.annotation).replace("|", "\\|")
        rows.append(f"| `{name}` | {type_text} | {_default(field)} | {meaning} |")
    return rows


def render_reference() -> str:
    """The whole plan-language reference as Markdown."""
    lines = [
        "# Plan language reference",
        "",
        "Generated from the plan models (`python -m comp_sim.plan.reference`); a test keeps it in",
        "sync. Unknown keys are errors. Semantics: README, section *How a plan pays*.",
        "",
    ]
    for heading, model, intro in SECTIONS:
        lines += [f"## {heading}", "", intro, "", *model_table(model), ""]
    lines += ["## Built-in metrics", "", "| metric | kind | meaning |", "|---|---|---|"]
    for metric in BUILTIN_METRICS.values():
        meaning = metric.description.replace("|", "\\|")
        lines.append(f"| `{metric.name}` | {metric.kind} | {meaning} |")
    lines += [
        "",
        "`target.NAME` is the target for metric NAME from the quotas file (`target.bookings` is the",
        "quota). Plan metrics (`metrics:`) add `sum`, `count` and `ratio` metrics by name.",
        "",
    ]
    return "\n".join(lines)


def plan_json_schema() -> dict[str, Any]:
    """JSON Schema of a plan file, for editors (e.g. the YAML language server)."""
    schema = models.Plan.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    return json.dumps(plan_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render_reference(), end="")
