"""Programs: a set of plans that pays a whole team, each rep by the one plan that lists their role
(SPEC "Programs").

```yaml
program: FY2027 role plans
id: fy2027
plans: [../plans/balanced-2027.yaml, ../plans/hunter-2027.yaml]   # relative to this file
```

Everything that compares plans compares programs too: a plan alone is a one-plan program.

>>> program = load_program("programs/current-2026.yaml")
>>> program.id, [plan.id for plan in program.plans]
('current', ['current-2026'])
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from comp_sim.errors import Issue, PlanError
from comp_sim.output import read_text_bounded
from comp_sim.plan.loader import MAX_PLAN_BYTES, PlanSource, format_path, load_plan, plain, safe_yaml
from comp_sim.plan.models import Plan, position
from comp_sim.plan.rules import StrictModel

SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class ProgramFile(StrictModel):
    """A program file: its name, id and the plans it is made of."""

    program: str = Field(min_length=1, description="Display name.")
    id: str = Field(pattern=SLUG, description="Slug, unique among loaded plans and programs.")
    description: str = Field("", description="What the program is for.")
    plans: list[str] = Field(min_length=1, description="Plan files, relative to the program file.")


@dataclass(frozen=True)
class Program:
    """Plans that pay a team together, each rep by the one plan listing their role."""

    id: str
    name: str
    plans: tuple[Plan, ...]
    source: str = "<program>"
    description: str = ""

    @classmethod
    def of_plan(cls, plan: Plan) -> Program:
        """A plan alone, as a one-plan program (same id and name)."""
        return cls(plan.id, plan.plan, (plan,), plan.source, plan.description)

    @property
    def currency(self) -> str:
        return self.plans[0].currency

    @property
    def roles(self) -> dict[str, Plan]:
        """Each role the program covers, with the plan that pays it."""
        return {role: plan for plan in self.plans for role in plan.roles}

    @property
    def single(self) -> bool:
        """Whether this is a plan on its own."""
        return len(self.plans) == 1 and self.plans[0].id == self.id


ProgramSource = typing.Union[str, Path, Program]


def is_program_file(source: object) -> bool:
    """Whether a path names a program file (its first key is ``program``), not a plan."""
    if isinstance(source, Program):
        return True
    if not isinstance(source, (str, Path)) or (isinstance(source, str) and "\n" in source):
        return False
    path = Path(source)
    if not (path.suffix in (".yaml", ".yml") and path.is_file()):
        return False
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace")
    return any(line.startswith("program:") for line in head.splitlines())


def load_program(source: ProgramSource) -> Program:
    """A validated program: its file, and each plan it names (paths relative to the file).
    Raises ``PlanError`` naming the program file, line and key, or the plan file's own errors;
    two plans listing the same role is an error naming both."""
    if isinstance(source, Program):
        return source
    path = Path(source)
    label = str(path)
    text = read_text_bounded(path, "program file", MAX_PLAN_BYTES, PlanError)
    tree = safe_yaml(text, label, "program")
    if not isinstance(tree, dict):
        raise PlanError(Issue("a program file is a YAML mapping of keys (program, id, plans)", source=label,
                              line=1, column=1))
    try:
        spec = ProgramFile.model_validate(plain(tree))
    except ValidationError as exc:
        raise PlanError([_issue(tree, label, error) for error in exc.errors()]) from None
    plans, issues = [], []
    for index, name in enumerate(spec.plans):
        plan_path = Path(os.path.normpath(path.parent / name))
        if not plan_path.is_file():
            line, column = position(tree, ("plans", index))
            issues.append(Issue(f"no plan file '{name}' beside the program (looked for {plan_path})",
                                source=label, line=line, column=column, path=f"plans[{index}]", value=name))
            continue
        plans.append(load_plan(plan_path))
    if issues:
        raise PlanError(issues)
    issues += _one_plan_per_role(plans, tree, label) + _unique_plan_ids(plans, tree, label)
    if issues:
        raise PlanError(issues)
    return Program(spec.id, spec.program, tuple(plans), label, spec.description)


def _one_plan_per_role(plans: list[Plan], tree: Any, label: str) -> list[Issue]:
    issues, seen = [], {}
    for index, plan in enumerate(plans):
        for role in plan.roles:
            if role in seen:
                line, column = position(tree, ("plans", index))
                issues.append(Issue(f"role '{role}' is listed by two plans of the program: {seen[role].id} "
                                    f"({seen[role].source}) and {plan.id} ({plan.source}); a rep is paid by one plan",
                                    source=label, line=line, column=column, path=f"plans[{index}]", value=role))
            else:
                seen[role] = plan
    return issues


def _unique_plan_ids(plans: list[Plan], tree: Any, label: str) -> list[Issue]:
    issues, seen = [], set()
    for index, plan in enumerate(plans):
        if plan.id in seen:
            line, column = position(tree, ("plans", index))
            issues.append(Issue(f"plan id '{plan.id}' is in the program twice", source=label, line=line,
                                column=column, path=f"plans[{index}]", value=plan.id))
        seen.add(plan.id)
    return issues


def _issue(tree: Any, label: str, error: dict) -> Issue:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        message, loc = f"missing required key '{loc[-1]}'", loc[:-1]
    elif kind == "extra_forbidden":
        message = f"unknown key '{loc[-1]}' (allowed: {', '.join(ProgramFile.model_fields)})"
    else:
        message = error["msg"].replace("Input should be", "must be")
    line, column = position(tree, loc, at_key=kind == "extra_forbidden")
    value = error.get("input")
    shown = {} if kind in ("missing", "extra_forbidden") or isinstance(value, (dict, list)) else {"value": value}
    return Issue(message, source=label, line=line, column=column, path=format_path(loc) or None, **shown)


def load_unit(source: PlanSource | ProgramSource) -> Program:
    """A plan or a program file as what is compared: a program (a plan alone is a one-plan
    program)."""
    if isinstance(source, Program) or is_program_file(source):
        return load_program(source)
    return Program.of_plan(load_plan(source))
