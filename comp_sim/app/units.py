"""What the app compares: plans, and programs (a plan per role, paying a whole team), as texts.

A unit is a plan or a program; a plan alone runs as a one-plan program. A unit's identity is its
text: a plan's file name and YAML, a program's file name and YAML with the file names and texts
of the plans it names, so that the caches keyed on it re-run only what changed. A program's
``plans:`` entries are found by file name among the bundled plans and the plan files uploaded
beside it (``api.load_program_text``).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import streamlit as st

from comp_sim import api
from comp_sim.api import Plan, Program

PlanText = tuple[str, str]  # (file name, YAML text)


class UnitText(NamedTuple):
    """A plan or a program as text: its file name and YAML, and for a program its plans'."""

    kind: Literal["plan", "program"]
    name: str  # plans/x.yaml, programs/x.yaml, or the name it was uploaded under
    text: str
    plans: tuple[PlanText, ...] = ()  # a program's plans, in its order


@st.cache_data(show_spinner=False)
def parse_plan(text: str, name: str) -> Plan:
    """A validated plan from YAML text; raises PlanError with every issue and its line."""
    return api.load_plan(text, name=name)


@st.cache_data(show_spinner=False)
def parse_program(name: str, text: str, plan_files: tuple[PlanText, ...]) -> Program:
    """A validated program whose plans are found by file name among ``plan_files``; raises
    PlanError naming the program file, the key path and the plan it cannot find."""
    return api.load_program_text(text, name, dict(plan_files))


def parse_unit(unit: UnitText) -> Program:
    """The plan or program a unit's text holds (a plan as a one-plan program)."""
    if unit.kind == "program":
        return parse_program(unit.name, unit.text, unit.plans)
    return Program.of_plan(parse_plan(unit.text, unit.name))


def program_unit(name: str, text: str, plan_files: dict[str, str]) -> UnitText:
    """A program's text with the plans it names, found by file name among ``plan_files`` (file
    name -> text; an uploaded plan after the bundled one of the same file name wins)."""
    program = parse_program(name, text, tuple(plan_files.items()))
    return UnitText("program", name, text, tuple((plan.source, plan_files[plan.source]) for plan in program.plans))


def is_program_text(text: str) -> bool:
    """Whether uploaded YAML is a program file rather than a plan: it has a top-level
    ``program`` key, as the CLI tells them apart."""
    return any(line.startswith("program:") for line in text.splitlines())


def display_name(name: str, file_name: str) -> str:
    """A bundled plan or program by its name; an uploaded one with its file, so a copy reads apart."""
    return name if file_name.startswith(("plans/", "programs/")) else f"{name} ({file_name})"


@st.cache_data(show_spinner=False)
def bundled_plan_texts() -> dict[str, PlanText]:
    """Bundled plans by id: (file name, text)."""
    texts = {}
    for path in api.bundled_plan_paths():
        text = path.read_text(encoding="utf-8")
        texts[parse_plan(text, f"plans/{path.name}").id] = (f"plans/{path.name}", text)
    return texts


@st.cache_data(show_spinner=False)
def bundled_units() -> dict[str, UnitText]:
    """The bundled programs, then the bundled plans, by id."""
    plan_files = dict(bundled_plan_texts().values())
    units = {}
    for path in api.bundled_program_paths():
        unit = program_unit(f"programs/{path.name}", path.read_text(encoding="utf-8"), plan_files)
        units[parse_unit(unit).id] = unit
    units.update({pid: UnitText("plan", name, text) for pid, (name, text) in bundled_plan_texts().items()})
    return units
