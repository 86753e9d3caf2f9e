"""Load plan files: safe YAML with line numbers -> the validated ``Plan``, or every error at once.

Plan files never execute code: the YAML is parsed as plain data, and any tag, alias or nesting
deeper than the limit is rejected before loading (``comp_sim.safe_yaml``).

>>> plan = load_plan('''
... plan: Demo
... id: demo
... start: 2027-01
... roles: {AE: {target_incentive: 10000}}
... components:
...   - {id: revenue, weight: 1.0, metric: attainment, curve: {points: [[0, 0], [1, 1]]}}
... ''')
>>> plan.components[0].curve.points
[(0.0, 0.0), (1.0, 1.0)]
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap

from comp_sim.errors import NO_VALUE, Issue, PlanError
from comp_sim.limits import MAX_PLAN_BYTES
from comp_sim.output import read_text_bounded
from comp_sim.plan.models import TAG_PREFIX, Plan, position
from comp_sim.safe_yaml import parse_yaml, plain

PlanSource = typing.Union[str, Path, dict, Plan]


def load_plan(source: PlanSource, *, name: str | None = None) -> Plan:
    """A validated plan from a file path, YAML text, a dict or a Plan.

    A ``str`` that ends in ``.yaml``/``.yml`` and has no line break is a path; any other
    ``str`` is YAML text. ``name`` is the file name used in error messages for text and dicts.
    Raises ``PlanError`` listing every problem found, each with file, line, key path and rule.
    """
    if isinstance(source, Plan):
        return source
    if isinstance(source, dict):
        return _validate(source, None, name or "<plan>").located(name or "<plan>", None)
    if _is_path(source):
        path = Path(source)
        return load_plan(_read(path), name=name or str(path))
    return parse_plan(source, name or "<plan>")


def _is_path(source: object) -> bool:
    return isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
    )


def _read(path: Path) -> str:
    return read_text_bounded(path, "plan file", MAX_PLAN_BYTES, PlanError)


def parse_plan(text: str, source: str) -> Plan:
    """Validate YAML text as a plan; ``source`` names it in errors and the plan remembers it
    with the YAML tree, so that messages about the plan can point at its lines.

    >>> plan = parse_plan(open("plans/current-2026.yaml").read(), "plans/current-2026.yaml")
    >>> plan.source, plan.position(("components", 0, "tiers"), at_key=True)
    ('plans/current-2026.yaml', (32, 5))
    """
    tree = safe_yaml(text, source)
    if not isinstance(tree, CommentedMap):
        raise PlanError(Issue("a plan file is a YAML mapping of keys (plan, id, start, ...)", source=source, line=1, column=1))
    return _validate(plain(tree), tree, source).located(source, tree)


def safe_yaml(text: str, source: str, what: str = "plan") -> Any:
    """Parse YAML to ruamel's round-trip tree with the guards of ``comp_sim.safe_yaml`` (no
    tags, aliases, second document or deep nesting); ``what`` names the kind of file in errors:
    plan, program."""
    return parse_yaml(text, source, f"{what} file", PlanError, limit=MAX_PLAN_BYTES)


# --------------------------------------------------------------------------- error mapping


def _validate(data: dict, tree: CommentedMap | None, source: str) -> Plan:
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(_issues_from(exc, tree, source)) from None


def _issues_from(exc: ValidationError, tree: CommentedMap | None, source: str) -> list[Issue]:
    issues: list[Issue] = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith(TAG_PREFIX)))
        full_loc = tuple(error["loc"])
        if error["type"] == "plan_rules":
            for rule_loc, message, value in error["ctx"]["issues"]:
                shown = NO_VALUE if value is None else value
                issues.append(_issue(tree, source, tuple(rule_loc), message, shown))
            continue
        message, value, at_key = _describe(error, full_loc)
        if error["type"] == "missing":
            loc = loc[:-1]
        issues.append(_issue(tree, source, loc, message, value, at_key=at_key))
    return issues


def _describe(error: dict, full_loc: tuple) -> tuple[str, Any, bool]:
    """A user-facing rule for a pydantic error; (message, value, point at the key itself)."""
    kind = error["type"]
    if kind == "missing":
        return f"missing required key '{full_loc[-1]}'", NO_VALUE, False
    if kind == "extra_forbidden":
        key = str(full_loc[-1])
        allowed = _fields_at(full_loc[:-1])
        hint = ""
        if allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            hint += f" (allowed: {', '.join(allowed)})"
        return f"unknown key '{key}'{hint}", NO_VALUE, True
    message = error["msg"].replace("Input should be", "must be").replace("Value error, ", "")
    value = error.get("input", NO_VALUE)
    if isinstance(value, (dict, list)) or kind in _OWN_RULES:
        value = NO_VALUE
    return message, value, False


# Errors of our own rules quote the offending value in their message already.
_OWN_RULES = {"points_order", "bands_open", "bands_order", "month", "number_range"}


def _issue(tree: Any, source: str, loc: tuple, message: str, value: Any = NO_VALUE, at_key: bool = False) -> Issue:
    line, column = position(tree, loc, at_key)
    return Issue(message, source=source, line=line, column=column, path=format_path(loc) or None, value=value)


def format_path(loc: tuple) -> str:
    """``('components', 1, 'curve', 'points')`` -> ``components[1].curve.points``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _fields_at(loc: tuple) -> list[str] | None:
    """Keys allowed at a location of the plan, following pydantic's error loc (with tags)."""
    annotation: Any = Plan
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list:
        return args[0]
    if origin is dict:
        return args[1]
    if origin is typing.Union:
        for member in args:
            tags = [m for m in typing.get_args(member)[1:] if getattr(m, "tag", None) == part]
            if tags:
                return member
        models = [m for m in args if m is not type(None)]
        return _step(models[0], part) if len(models) == 1 else None
    return None
