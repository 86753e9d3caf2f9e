"""Benchmark: balanced-2027 over synthetic Monte-Carlo trials, at four sizes, beside numpy
drawing as many random numbers on the same machine.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--sizes 100x1000,1000x10000,...]``.
Each size runs in a fresh process and prints a line: wall seconds in all, split into loading
the compiled trial kernel (numba's disk cache; compiled on the first run on a machine), the
source's set-up (its outcome tables), drawing the trials (timed in a pass of its own), the
engine (the rest of the run: metrics to payouts, folded per chunk) and the report tables; the
same in CPU seconds of all threads, with the load average (the machine is shared: CPU seconds
move less with it than wall seconds); the process's peak resident memory (MiB), and its peak
after the drawing pass alone; and the speed-up over the reference loop of
``tests/engine/reference.py``. The loop is far too slow to run at these sizes, so it is timed
on a slice (a few reps' synthetic deal data, one trial) and scaled by rep-trials; the line says
so.

A second line puts the run beside the physical limit: the random numbers the run draws (one
random byte per trial, month, product x new-logo cell and rep, and per quarter and rep for MBO
scores), how long numpy takes in the same process to generate as many (``Generator.integers``
of bytes, on as many threads as the run), and the ratio of the run and of its drawing to that;
then the time the kernel's own PCG64 words take (the same stream as numpy's PCG64) against
numpy's ``random_raw`` of as many words. Targets (issue 16) are printed beside the figures.

Trials come from ``comp_sim.synth.trials.MonteCarloSource.synthetic`` with every rep an AE (the
plan covers them all).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "engine")]

from comp_sim.data.dataset import Dataset  # noqa: E402
from comp_sim.engine.compile import compile_plan, needs  # noqa: E402
from comp_sim.engine.simulate import _in_order, run_plans  # noqa: E402
from comp_sim.plan.loader import load_plan  # noqa: E402
from comp_sim.report import tables  # noqa: E402
from comp_sim.synth.deals import synthesize  # noqa: E402
from comp_sim.synth.model import SynthConfig  # noqa: E402
from comp_sim.synth.trials import MonteCarloSource, prepare_kernel  # noqa: E402

PLAN = ROOT / "plans" / "balanced-2027.yaml"
SIZES = ((100, 1000), (1000, 10000), (10000, 1000), (10000, 10000))  # (reps, trials)
TARGETS = {(1000, 10000): (2.0, 1536), (10000, 10000): (30.0, None)}  # seconds, peak MiB (issue 16)
SEED = 2027
REFERENCE_REPS = 20
AE_ONLY = SynthConfig(role_shares={"AE": 1.0})
NUMPY_BLOCK = 2**24  # random bytes numpy makes per call (a few MiB at a time, whatever the count)


def trial_source(reps: int, trials: int) -> MonteCarloSource:
    """Synthetic trials with every rep an AE, so that balanced-2027 covers them all."""
    return MonteCarloSource.synthetic(reps, trials, SEED, "2027-01", AE_ONLY)


def measure(reps: int, trials: int) -> dict:
    """One size in this process: the kernel, the trials alone, then the whole run, then the
    tables; then numpy's random numbers and the kernel's words for as many as the run drew."""
    plan = load_plan(PLAN)
    source = trial_source(reps, trials)
    needed = needs([compile_plan(plan, plan.start)])
    workers = len(os.sched_getaffinity(0))
    clock = Clock()
    prepare_kernel()
    kernel = clock.lap()
    source.chunk(0, needed, plan.start, 12)  # one-off set-up (the source's tables), timed apart
    setup = clock.lap()
    for _ in _in_order(lambda i: source.chunk(i, needed, plan.start, 12), len(source.chunk_sizes()), workers):
        pass
    drawing = clock.lap()
    drawing_peak = peak_mib()
    results = run_plans([plan], source, workers=workers)
    run = clock.lap()
    tables.statements_table(results)
    tables.summary_table(results)
    report = clock.lap()
    load = os.getloadavg()[0]
    peak = peak_mib()
    words = source.trials * source._made.tables.words_per_trial
    return {"kernel": kernel, "setup": setup, "drawing": drawing, "run": run, "tables": report,
            "peak_mib": peak, "drawing_peak_mib": drawing_peak, "chunk_trials": source.chunk_sizes()[0],
            "covered": len(results[0].roster.rep_ids), "workers": workers, "load": load,
            "random_numbers": words * 8, "words": words,
            "numpy_bytes": numpy_seconds(words * 8, workers, random_bytes),
            "numpy_words": numpy_seconds(words, workers, random_words),
            "kernel_words": kernel_word_seconds(words, workers)}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_bytes(generator: np.random.Generator, count: int) -> None:
    generator.integers(0, 256, count, dtype=np.uint8)


def random_words(generator: np.random.Generator, count: int) -> None:
    generator.bit_generator.random_raw(count)


def numpy_seconds(count: int, workers: int, draw) -> float:
    """Wall seconds numpy takes to make ``count`` random numbers with ``draw``, split over
    ``workers`` threads (each its own PCG64 stream), NUMPY_BLOCK at a time."""

    def part(index: int) -> None:
        generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SEED, spawn_key=(index,))))
        left = count // workers + (index < count % workers)
        while left:
            step = min(left, NUMPY_BLOCK)
            draw(generator, step)
            left -= step

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(part, range(workers)))
    return time.perf_counter() - start


def kernel_word_seconds(count: int, workers: int) -> float:
    """Wall seconds the kernel's own PCG64 stepping takes for ``count`` words, split as
    ``numpy_seconds`` splits them."""
    from comp_sim.synth.kernel import fill_words, stream_state

    def part(index: int) -> None:
        state = stream_state(np.random.PCG64(np.random.SeedSequence(SEED, spawn_key=(index,))))
        buffer = np.empty(NUMPY_BLOCK // 8, dtype=np.uint64)
        left = count // workers + (index < count % workers)
        while left:
            step = min(left, buffer.size)
            fill_words(state, buffer[:step])
            left -= step

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(part, range(workers)))
    return time.perf_counter() - start


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
        print(report(reps, trials, m, per_rep_trial, slice_text), flush=True)


def report(reps: int, trials: int, m: dict, per_rep_trial: float, slice_text: str) -> str:
    """The two lines of one size."""
    reference = per_rep_trial * m["covered"] * trials
    total = m["kernel"][0] + m["setup"][0] + m["run"][0] + m["tables"][0]
    cpu = m["kernel"][1] + m["setup"][1] + m["run"][1] + m["tables"][1]
    engine = m["run"][0] - m["drawing"][0]
    drawing = m["drawing"][0]
    target = ""
    if (reps, trials) in TARGETS:
        seconds, mib = TARGETS[(reps, trials)]
        target = f" [target <= {seconds:g} s" + (f", <= {mib:,} MiB" if mib else "") + "]"
    numpy_bytes, numpy_words = m["numpy_bytes"], m["numpy_words"]
    return (
        f"balanced-2027 {reps:,} reps x 12 months x {trials:,} trials: {total:.2f} s{target} "
        f"(kernel loaded {m['kernel'][0]:.2f} s, set-up {m['setup'][0]:.2f} s, trials drawn {drawing:.2f} s, "
        f"engine {engine:.2f} s, tables {m['tables'][0]:.2f} s; CPU {cpu:.2f} s of which drawing "
        f"{m['drawing'][1]:.2f} s, engine {m['run'][1] - m['drawing'][1]:.2f} s, on {m['workers']} threads, "
        f"load average {m['load']:.1f}), peak {m['peak_mib']:,.0f} MiB (drawing pass alone "
        f"{m['drawing_peak_mib']:,.0f} MiB, chunks of {m['chunk_trials']:,} trials), "
        f"{reference / total:,.0f}x the reference loop "
        f"(engine alone {reference / max(engine, 1e-9):,.0f}x; the loop timed on a slice, "
        f"{slice_text}, scaled to {m['covered'] * trials:,} rep-trials = {reference:,.0f} s)\n"
        f"  limit: the run draws {m['random_numbers']:,} random bytes; numpy makes as many in "
        f"{numpy_bytes:.2f} s on {m['workers']} threads (Generator.integers, uint8): the run is "
        f"{total / numpy_bytes:.1f}x that, its drawing {drawing / numpy_bytes:.1f}x; of the drawing, "
        f"the kernel's {m['words']:,} PCG64 words take {m['kernel_words']:.2f} s "
        f"(numpy's random_raw {numpy_words:.2f} s)"
    )


if __name__ == "__main__":
    main()
