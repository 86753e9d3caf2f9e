"""The Python API: load_plan, load_data, synthesize, simulate, compare, explain.

The CLI and the app call these and nothing deeper, so what a user sees is what the tests check.
"""

from __future__ import annotations

from pathlib import Path

from comp_sim.plan.loader import load_plan

ROOT = Path(__file__).resolve().parent.parent
PLANS_DIR = ROOT / "plans"
SAMPLE_DATA_DIR = ROOT / "data" / "sample"


def bundled_plan_paths() -> list[Path]:
    """The plans shipped in ``plans/``, sorted by file name."""
    return sorted(PLANS_DIR.glob("*.yaml"))


__all__ = ["load_plan", "bundled_plan_paths", "PLANS_DIR", "SAMPLE_DATA_DIR"]
