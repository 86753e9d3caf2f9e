"""comp_sim: an open, code-first incentive-compensation plan simulator.

The API is importable from the package itself, as pandas users expect::

    from comp_sim import simulate, compare
    sim = simulate(["plans/current-2026.yaml", "plans/balanced-2027.yaml"])

Names are looked up in ``comp_sim.api`` when first used, so importing one module of the
package (say ``comp_sim.periods``) does not import the whole engine.
"""

from __future__ import annotations

from typing import Any

API_NAMES = (
    "load_plan", "load_plans", "load_program", "load_data", "load_mapping", "synthesize", "synthesize_trials", "write_dataset",
    "simulate", "compare", "who_wins", "calibrate", "explain", "statement_html", "lint", "gaming", "sensitivity", "quotas", "write_quotas",
    "with_quotas", "Simulation",
    "Comparison", "Statement", "Plan", "Program", "Dataset", "CompSimError", "PlanError", "DataError", "UsageError",
)


def __getattr__(name: str) -> Any:
    if name in API_NAMES:
        from comp_sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'comp_sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API_NAMES])


__all__ = list(API_NAMES)
