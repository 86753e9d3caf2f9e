"""Benchmark: how long the plan designer takes to re-render after an edit, on 200 synthetic
reps x 1,000 Monte-Carlo trials (the app's own script under ``streamlit.testing.v1.AppTest``).

Run: ``.venv/bin/python benchmarks/bench_app.py [--reps 200] [--trials 1000] [--edits 7]``.
Each edit changes the draft plan's revenue curve (a new text, so nothing is cached for it) and
re-runs the page: parse and validate, pay curves, lint, the baseline and the draft over the
trials, the comparison and the charts. Prints the median and the slowest edit, and, for scale, a
re-render with nothing changed (everything cached), the first render of the page, and the
time ``api.simulate`` alone takes for the same two plans and trials (the engine's share).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from comp_sim import api  # noqa: E402
from comp_sim.app.designer import draft_plan  # noqa: E402
from comp_sim.synth import synthesize  # noqa: E402

WAIT = float("inf")  # AppTest asks for a timeout; every run is waited for


def timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"the app failed: {at.exception[0].value}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=WAIT)
    at.run()
    at.sidebar.radio(key="data_source").set_value("Synthetic")
    at.run()
    at.sidebar.number_input(key="synth_reps").set_value(args.reps)
    at.sidebar.number_input(key="trials").set_value(args.trials)
    at.sidebar.radio(key="page").set_value("Plan designer")
    first = timed(at)
    cached = timed(at)
    text = at.text_area(key="designer_yaml").value
    anchor = "points: [[0.5, 0.25], [1.0, 1.0], [1.5, 2.0]]"
    if anchor not in text:
        raise SystemExit(f"the designer's starting plan has no '{anchor}' to edit")
    edits = []
    for index in range(args.edits):
        edited = text.replace(anchor, f"points: [[0.5, 0.25], [1.0, 1.0], [1.5, {2.0 + 0.05 * (index + 1):.2f}]]")
        at.text_area(key="designer_yaml").set_value(edited)
        edits.append(timed(at))
        if at.error:
            raise SystemExit(f"the edit was rejected: {at.error[0].value}")
    draft = next(m.value for m in at.metric if m.label == "Draft cost (mean)")
    baseline = at.sidebar.selectbox(key="baseline").value  # a bundled program's or plan's id
    units = api.load_units([*api.bundled_program_paths(), *api.bundled_plan_paths()])
    base = next(unit for unit in units if unit.id == baseline)
    plans = [base, draft_plan(edited, base)]  # as the designer runs them
    data = synthesize(reps=args.reps, seed=0)
    engine = []
    for _ in range(args.edits):
        start = time.perf_counter()
        api.simulate(plans, data, trials=args.trials, seed=0, detail_trials=1)
        engine.append(time.perf_counter() - start)
    print(f"plan designer, {args.reps} synthetic reps x {args.trials:,} trials, baseline + draft re-run per edit")
    print(f"  re-render after an edit: median {statistics.median(edits):.3f} s, slowest {max(edits):.3f} s "
          f"over {len(edits)} edits (draft cost after the last: {draft})")
    print(f"  of which api.simulate of the two plans alone: median {statistics.median(engine):.3f} s")
    print(f"  re-render with nothing changed: {cached:.3f} s; first render of the page: {first:.3f} s")


if __name__ == "__main__":
    main()
