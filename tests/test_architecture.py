"""The package's imports: no circles, every arrow points down the pipeline, and the CLI and the
app reach the engine only through the API (STYLE.md, "Layers only point down").

Imports are read from the source (module level and inside functions alike; only imports under
``if TYPE_CHECKING:`` are left out, since they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "comp_sim"

# Layers from the bottom up; a module may import its own layer and the ones below.
LAYERS = [
    ("base", ["comp_sim.errors", "comp_sim.periods", "comp_sim.measures", "comp_sim.output", "comp_sim.limits",
              "comp_sim.safe_yaml"]),
    ("plan", ["comp_sim.plan"]),
    ("data", ["comp_sim.data"]),
    ("synth", ["comp_sim.synth"]),
    ("engine", ["comp_sim.engine"]),
    ("report", ["comp_sim.report"]),
    ("insight", ["comp_sim.insight"]),
    ("api", ["comp_sim.api"]),
    ("interfaces", ["comp_sim.cli", "comp_sim.app", "comp_sim.__main__"]),
    ("package", ["comp_sim"]),  # ``from comp_sim import simulate``: the API re-exported at the top
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The package modules a module imports (``from comp_sim import api`` is ``comp_sim.api``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("comp_sim"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("comp_sim"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(path, known) - {name} for name, path in found.items()}


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or (module.startswith(prefix + ".") and prefix != "comp_sim")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS"
    return rank


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_the_checker_finds_a_circle_and_an_arrow_up():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("comp_sim.engine.run") > layer_of("comp_sim.plan.models")
    assert layer_of("comp_sim.app.charts") == layer_of("comp_sim.cli") == len(LAYERS) - 2


def test_there_are_no_import_circles():
    assert cycles(graph()) == []


def test_imports_only_point_down_the_pipeline():
    upward = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
              for module, targets in graph().items() for target in sorted(targets)
              if layer_of(target) > layer_of(module)]
    assert upward == []


@pytest.mark.parametrize("interface", ["comp_sim.cli", "comp_sim.app"])
def test_the_cli_and_the_app_call_the_api_only(interface):
    below = [f"{module} imports {target}" for module, targets in graph().items()
             if module == interface or module.startswith(interface + ".")
             for target in sorted(targets)
             if target != "comp_sim.api" and not target.startswith("comp_sim.app")]
    assert below == []
