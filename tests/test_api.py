"""The public API names SPEC lists, each reachable from ``comp_sim.api``."""

from __future__ import annotations

import pandas as pd

from comp_sim import api
from comp_sim.insight.gaming import gaming_report
from comp_sim.insight.sensitivity import sensitivity


def test_spec_api_names_are_exported():
    for name in ("load_plan", "load_data", "synthesize", "simulate", "compare", "explain",
                 "lint", "gaming", "sensitivity"):
        assert name in api.__all__ and callable(getattr(api, name))


def test_lint_flags_todays_plan_for_its_cliffs_and_uncapped_exposure():
    ids = {w.id for w in api.lint("plans/current-2026.yaml")}
    assert {"retro-cliff", "uncapped", "discount-incentive"} <= ids


def test_insight_through_the_api_gives_the_insight_modules_figures():
    pd.testing.assert_frame_equal(api.gaming("plans/balanced-2027.yaml"),
                                  gaming_report("plans/balanced-2027.yaml"))
    shifts = (0.0, 0.1)
    pd.testing.assert_frame_equal(api.sensitivity(["plans/balanced-2027.yaml"], shifts=shifts),
                                  sensitivity(["plans/balanced-2027.yaml"], shifts=shifts))


def test_synthesize_through_the_api_repeats_with_its_seed():
    first, again = api.synthesize(reps=6, seed=3), api.synthesize(reps=6, seed=3)
    pd.testing.assert_frame_equal(first.deals, again.deals)
    assert len(first.reps) == 6
