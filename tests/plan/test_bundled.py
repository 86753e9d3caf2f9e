"""The bundled plans validate and say what they are meant to reward."""

from pathlib import Path

import pytest

from comp_sim.api import bundled_plan_paths, load_plan

PLANS = bundled_plan_paths()


def test_the_bundled_plans_are_there():
    assert [p.name for p in PLANS] == [
        "account-manager-2027.yaml",
        "balanced-2027.yaml",
        "current-2026.yaml",
        "hunter-2027.yaml",
        "manager-2027.yaml",
        "se-overlay-2027.yaml",
    ]


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_bundled_plan_validates_and_explains_itself(path: Path):
    plan = load_plan(path)
    assert plan.id == path.stem
    comment = [line for line in path.read_text().splitlines() if line.startswith("#")]
    assert len(comment) >= 4, "each bundled plan opens with a comment block on what it rewards"
    assert "rewards" in " ".join(comment)
    assert plan.description
