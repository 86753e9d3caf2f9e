"""YAML that users write (plans, column mappings) read as plain data, with one set of guards.

A file is parsed event by event before anything is built from it, and refused when it holds a
tag (``!!python/...``: a vehicle for object construction), an anchor or alias (the vehicle of
"billion laughs" expansion), a second document, or nesting deeper than ``MAX_YAML_DEPTH`` (which
would exhaust the recursion of any tree builder). Each refusal names the file, line and column.

>>> from comp_sim.errors import PlanError
>>> plain(parse_yaml("a: [1, 2]", "x.yaml", "plan file", PlanError))
{'a': [1, 2]}
>>> parse_yaml("a: [[[[1]]]]", "x.yaml", "plan file", PlanError, depth=3)
Traceback (most recent call last):
...
comp_sim.errors.PlanError: x.yaml:1:6: a plan file nests mappings and lists at most 3 deep
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
    ScalarEvent,
)

from comp_sim.errors import CompSimError, Issue
from comp_sim.limits import MAX_YAML_DEPTH, NUMBER_RULE

_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_LONGEST_INTEGER = 4300  # digits Python converts to an int (sys.get_int_max_str_digits)


def parse_yaml(text: str, source: str, what: str, error: type[CompSimError], *, limit: int | None = None,
               depth: int = MAX_YAML_DEPTH) -> Any:
    """Parse YAML to ruamel's round-trip tree (which keeps lines), or raise ``error`` with every
    issue; ``what`` ("plan file", "mapping file") names the kind of file in messages."""
    if limit is not None and len(text.encode("utf-8")) > limit:
        raise error(Issue(f"a {what} is at most {limit:,} bytes", source=source))
    yaml = YAML(typ="rt")
    issues: list[Issue] = []
    documents = level = 0
    try:
        for event in yaml.parse(io.StringIO(text)):
            mark = event.start_mark
            where = {"source": source, "line": mark.line + 1, "column": mark.column + 1}
            if isinstance(event, CollectionStartEvent):
                level += 1
                if level > depth:  # stop here: deeper input is never looked at
                    raise error(Issue(f"a {what} nests mappings and lists at most {depth} deep", **where))
            elif isinstance(event, CollectionEndEvent):
                level -= 1
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents == 2:
                    issues.append(Issue(f"a {what} holds one YAML document (found a second '---')", **where))
            elif isinstance(event, ScalarEvent) and event.style is None and len(event.value) > _LONGEST_INTEGER \
                    and event.value.lstrip("+-").replace("_", "").isdigit():
                issues.append(Issue(f"{NUMBER_RULE} (got a number of {len(event.value):,} digits)", **where))
            elif isinstance(event, AliasEvent):
                issues.append(Issue(f"anchors and aliases (&name / *name) are not allowed in {what}s",
                                    value=f"*{event.anchor}", **where))
            elif isinstance(event, NodeEvent) and getattr(event, "tag", None):
                tag = str(event.tag)
                if tag not in _PLAIN_TAGS:
                    issues.append(Issue(f"YAML tags are not allowed in {what}s: a {what.removesuffix(' file')} is plain data",
                                        value=tag, **where))
    except MarkedYAMLError as exc:
        raise error(_yaml_issue(exc, source)) from None
    except YAMLError as exc:
        raise error(Issue(f"not valid YAML: {exc}", source=source)) from None
    if issues:
        raise error(issues)
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        raise error(_yaml_issue(exc, source)) from None
    except YAMLError as exc:
        raise error(Issue(f"not valid YAML: {exc}", source=source)) from None
    except (ValueError, OverflowError) as exc:  # a value YAML reads as a date that is none: 2026-13-45
        raise error(Issue(f"not valid YAML: {exc} (write a date as YYYY-MM-DD)", source=source)) from None


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
    """Round-trip YAML nodes as plain dicts, lists and scalars."""
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
    return str(node)
