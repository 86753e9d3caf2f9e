"""Benchmark: balanced-2027 over synthetic Monte-Carlo trials, at three sizes.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--sizes 100x1000,1000x10000,10000x1000]``.
Each size runs in a fresh process and prints one line: wall seconds in all, split into the
source's set-up, drawing the trials (timed in a pass of its own), the engine (the rest of the
run: metrics to payouts, folded per chunk) and the report tables; the same in CPU seconds of all
threads, with the load average (the machine is shared: CPU seconds move less with it than wall
seconds); the process's peak resident memory (MiB); and the speed-up over the reference loop of
``tests/engine/reference.py``. The loop is far too slow to run at these sizes, so it is timed
on a slice (a few reps' synthetic deal data, one trial) and scaled by rep-trials; the line says
so.

Trials come from ``comp_sim.synth.trials.MonteCarloSource.synthetic`` with every rep an AE (the
plan covers them all).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "engine")]

from comp_sim.data.dataset import Dataset  # noqa: E402
from comp_sim.engine.compile import compile_plan, needs  # noqa: E402
from comp_sim.engine.simulate import _in_order, run_plans  # noqa: E402
from comp_sim.plan.loader import load_plan  # noqa: E402
from comp_sim.report import tables  # noqa: E402
from comp_sim.synth.deals import synthesize  # noqa: E402
from comp_sim.synth.model import SynthConfig  # noqa: E402
from comp_sim.synth.trials import MonteCarloSource  # noqa: E402

PLAN = ROOT / "plans" / "balanced-2027.yaml"
SIZES = ((100, 1000), (1000, 10000), (10000, 1000))  # (reps, trials)
SEED = 2027
REFERENCE_REPS = 20
AE_ONLY = SynthConfig(role_shares={"AE": 1.0})


def trial_source(reps: int, trials: int) -> MonteCarloSource:
    """Synthetic trials with every rep an AE, so that balanced-2027 covers them all."""
    return MonteCarloSource.synthetic(reps, trials, SEED, "2027-01", AE_ONLY)


def measure(reps: int, trials: int) -> dict:
    """One size in this process: trials alone, then the whole run, then the tables."""
    plan = load_plan(PLAN)
    source = trial_source(reps, trials)
    needed = needs([compile_plan(plan, plan.start)])
    workers = len(os.sched_getaffinity(0))
    clock = Clock()
    source.chunk(0, needed, plan.start, 12)  # one-off set-up (the source's tables), timed apart
    setup = clock.lap()
    for _ in _in_order(lambda i: source.chunk(i, needed, plan.start, 12), len(source.chunk_sizes()), workers):
        pass
    drawing = clock.lap()
    results = run_plans([plan], source, workers=workers)
    run = clock.lap()
    tables.statements_table(results)
    tables.summary_table(results)
    report = clock.lap()
    return {"setup": setup, "drawing": drawing, "run": run, "tables": report,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "covered": len(results[0].roster.rep_ids), "workers": workers, "load": os.getloadavg()[0]}


class Clock:
    """Wall and CPU seconds (all threads of the process) since the last lap."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap


def reference_seconds_per_rep_trial() -> tuple[float, str]:
    """Time the reference loop on a few reps' deal data (one trial); seconds per rep-trial."""
    from reference import reference_payouts

    plan = load_plan(PLAN)
    dataset = reference_dataset(REFERENCE_REPS)
    started = time.perf_counter()
    reference_payouts(plan, dataset)
    seconds = time.perf_counter() - started
    return seconds / REFERENCE_REPS, f"{REFERENCE_REPS} reps x 1 trial ({len(dataset.deals)} deals) took {seconds:.2f} s"


def reference_dataset(reps: int) -> Dataset:
    """The slice the loop is timed on: the deal generator's data for a few AEs, one plan year."""
    return synthesize(reps, 12, SEED, start="2027-01", config=AE_ONLY)


def in_fresh_process(function, *args):
    """Run ``function(*args)`` in a new interpreter, so its peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(f"{r}x{t}" for r, t in SIZES),
                        help="REPSxTRIALS,... (default: %(default)s)")
    args = parser.parse_args(argv)
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    per_rep_trial, slice_text = in_fresh_process(reference_seconds_per_rep_trial)
    for reps, trials in sizes:
        m = in_fresh_process(measure, reps, trials)
        reference = per_rep_trial * m["covered"] * trials
        total = m["setup"][0] + m["run"][0] + m["tables"][0]
        cpu = m["setup"][1] + m["run"][1] + m["tables"][1]
        engine = m["run"][0] - m["drawing"][0]
        print(f"balanced-2027 {reps:,} reps x 12 months x {trials:,} trials: {total:.2f} s "
              f"(set-up {m['setup'][0]:.2f} s, trials drawn {m['drawing'][0]:.2f} s, engine {engine:.2f} s, "
              f"tables {m['tables'][0]:.2f} s; CPU {cpu:.2f} s of which drawing {m['drawing'][1]:.2f} s, "
              f"engine {m['run'][1] - m['drawing'][1]:.2f} s, on {m['workers']} threads, "
              f"load average {m['load']:.1f}), peak {m['peak_mib']:,.0f} MiB, "
              f"{reference / total:,.0f}x the reference loop "
              f"(engine alone {reference / max(engine, 1e-9):,.0f}x; the loop timed on a slice, "
              f"{slice_text}, scaled to {m['covered'] * trials:,} rep-trials = {reference:,.0f} s)", flush=True)


if __name__ == "__main__":
    main()
