"""Load plan files: safe YAML with line numbers -> the validated ``Plan``, or every error at once.

Plan files never execute code: the YAML is parsed as plain data, and any tag or alias (the
vehicles for object construction and "billion laughs" expansion) is rejected before loading.

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
import io
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent, NodeEvent

from comp_sim.errors import NO_VALUE, Issue, PlanError
from comp_sim.output import read_text_bounded
from comp_sim.plan.models import TAG_PREFIX, Plan, position

MAX_PLAN_BYTES = 1_000_000
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}

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
    """Parse YAML to ruamel's round-trip tree, refusing tags, aliases and extra documents
    (``what`` names the kind of file in errors: plan, program)."""
    if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
        raise PlanError(Issue(f"a {what} file is at most {MAX_PLAN_BYTES:,} bytes", source=source))
    yaml = YAML(typ="rt")
    issues: list[Issue] = []
    documents = 0
    try:
        for event in yaml.parse(io.StringIO(text)):
            mark = event.start_mark
            where = {"source": source, "line": mark.line + 1, "column": mark.column + 1}
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents == 2:
                    issues.append(Issue(f"a {what} file holds one YAML document (found a second '---')", **where))
            elif isinstance(event, AliasEvent):
                issues.append(Issue(f"anchors and aliases (&name / *name) are not allowed in {what} files",
                                    value=f"*{event.anchor}", **where))
            elif isinstance(event, NodeEvent) and getattr(event, "tag", None):
                tag = str(event.tag)
                if tag not in _PLAIN_TAGS:
                    issues.append(Issue(f"YAML tags are not allowed in {what} files: a {what} is plain data",
                                        value=tag, **where))
    except MarkedYAMLError as exc:
        raise PlanError(_yaml_issue(exc, source)) from None
    except YAMLError as exc:
        raise PlanError(Issue(f"not valid YAML: {exc}", source=source)) from None
    if issues:
        raise PlanError(issues)
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        raise PlanError(_yaml_issue(exc, source)) from None
    except YAMLError as exc:
        raise PlanError(Issue(f"not valid YAML: {exc}", source=source)) from None


def _yaml_issue(exc: MarkedYAMLError, source: str) -> Issue:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "not valid YAML"
    context = exc.context_mark
    if exc.context and context is not None and mark is not None and context.line != mark.line:
        what = str(exc.context).removeprefix("while parsing ").removeprefix("while constructing ").removeprefix("a ")
        problem += f" (in the {what} that starts at line {context.line + 1}, column {context.column + 1})"
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Issue(f"not valid YAML: {problem}", source=source, line=line, column=column)


def plain(node: Any) -> Any:
    """Round-trip YAML nodes as plain dicts, lists and scalars for validation."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (int, float, bool)) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)


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
_OWN_RULES = {"points_order", "points_finite", "bands_open", "bands_order", "month"}


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
