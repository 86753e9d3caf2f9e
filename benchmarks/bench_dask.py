"""Benchmark: balanced-2027 over synthetic trials in this process and on a Dask LocalCluster of
two worker processes, and a projected cost for 100,000 reps x 10,000 trials.

Run: ``.venv/bin/python benchmarks/bench_dask.py [--sizes 1000x10000,10000x2000] [--workers 2]``.
For each size it prints the wall seconds of the run in this process (a thread per core) and on
the cluster (started once beforehand; its start is printed apart), whether the two gave the
same numbers (every per-trial, per-rep total equal to the bit), the chunks and the seconds a
chunk's task computed on a worker (the median, from Dask's task stream), and the cluster's
overhead: its wall time less chunks x that median / workers (each worker's set-up of the
trials' tables, sending the trials and plans, handing tasks out and merging their results, and
whatever else the machine was doing).

The projection for 100,000 x 10,000 is a cost model, not a measurement: chunks x seconds per
chunk / workers + overhead, with the seconds per chunk scaled from the measured seconds per
rep-trial of the largest size (a chunk's work grows with its reps x trials) and the overhead
scaled by reps (the set-up grows with them); and the memory the client needs for the
per-trial, per-rep totals it keeps. The machine is shared, so figures move with its load
(printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from bench_engine import trial_source  # noqa: E402
from distributed import get_task_stream  # noqa: E402

from comp_sim.engine.distributed import TASK_KEY, open_cluster  # noqa: E402
from comp_sim.engine.simulate import run_plans  # noqa: E402
from comp_sim.plan.loader import load_plan  # noqa: E402
from comp_sim.report.tables import summary_table  # noqa: E402
from comp_sim.synth.trials import chunk_trials_for  # noqa: E402

PLAN = ROOT / "plans" / "balanced-2027.yaml"
SIZES = ((1000, 10000), (10000, 2000))  # (reps, trials)
PROJECTED = (100_000, 10_000)  # (reps, trials)
PROJECTED_WORKERS = (2, 16, 64, 256)
KEPT_PER_REP_TRIAL = 5  # float64 (trials, reps) arrays a plan's result keeps: paid, capped, bookings, quota, company


def measure(cluster, reps: int, trials: int, workers: int) -> dict:
    """One size: in this process, then on the cluster, over trials of the same seed."""
    plan = load_plan(PLAN)
    source = trial_source(reps, trials)
    start = time.perf_counter()
    here = run_plans([plan], source, workers=len(os.sched_getaffinity(0)))
    summary_table(here)
    in_process = time.perf_counter() - start
    source = trial_source(reps, trials)  # afresh: its tables are made again, as on the workers
    with get_task_stream(client=cluster.client) as stream:
        start = time.perf_counter()
        there = run_plans([plan], source, cluster=cluster)
        summary_table(there)
        on_cluster = time.perf_counter() - start
    compute = [sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
               for task in stream.data if str(task["key"]).startswith(TASK_KEY)]
    same = all(np.array_equal(getattr(a, name), getattr(b, name)) for a, b in zip(here, there)
               for name in ("paid", "capped", "bookings", "quota", "by_component", "by_month", "rep_component_sum"))
    return {"reps": reps, "trials": trials, "in_process": in_process, "cluster": on_cluster, "same": same,
            "chunks": len(compute), "chunk_trials": source.chunk_sizes()[0], "per_chunk": float(np.median(compute)),
            "overhead": on_cluster - len(compute) * float(np.median(compute)) / workers, "load": os.getloadavg()[0]}


def projection(m: dict, workers: int) -> list[str]:
    """100,000 x 10,000 from the measured seconds per rep-trial of a chunk and the overhead
    (the tables' set-up grows with the reps, so it is scaled by them)."""
    reps, trials = PROJECTED
    chunk_trials = chunk_trials_for(reps, 12)
    chunks = -(-trials // chunk_trials)
    per_rep_trial = m["per_chunk"] / (m["chunk_trials"] * m["reps"])
    per_chunk = per_rep_trial * reps * chunk_trials
    overhead = max(m["overhead"], 0.0) * reps / m["reps"]
    lines = [f"projection (a cost model, not a measurement) for {reps:,} reps x {trials:,} trials: "
             f"{chunks:,} chunks of {chunk_trials} trial(s), {per_chunk:.2f} s per chunk "
             f"({per_rep_trial * 1e6:.2f} us per rep-trial, measured at {m['reps']:,} x {m['trials']:,}), "
             f"overhead {overhead:.0f} s (measured {m['overhead']:.1f} s x {reps // m['reps']} for the reps)"]
    for count in PROJECTED_WORKERS:
        seconds = chunks * per_chunk / count + overhead
        lines.append(f"  {count:>3} workers: {chunks:,} x {per_chunk:.2f} s / {count} + {overhead:.0f} s = "
                     f"{seconds:,.0f} s ({seconds / 60:,.1f} min)")
    memory = KEPT_PER_REP_TRIAL * reps * trials * 8 / 2**30
    lines.append(f"  the client keeps {KEPT_PER_REP_TRIAL} float64 (trials, reps) totals per plan: "
                 f"{memory:,.0f} GiB at this size, whatever the workers")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(f"{r}x{t}" for r, t in SIZES))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    start = time.perf_counter()
    with open_cluster(f"local:{args.workers}") as cluster:
        cluster.client.wait_for_workers(args.workers)
        print(f"LocalCluster({args.workers}) started in {time.perf_counter() - start:.1f} s "
              f"(once per command; not in the figures below)", flush=True)
        measured = []
        for reps, trials in sizes:
            m = measure(cluster, reps, trials, args.workers)
            measured.append(m)
            print(f"balanced-2027, {reps:,} reps x {trials:,} trials: in-process {m['in_process']:.1f} s, "
                  f"LocalCluster({args.workers}) {m['cluster']:.1f} s ({m['cluster'] / m['in_process']:.2f}x), "
                  f"same numbers: {'yes' if m['same'] else 'NO'}; {m['chunks']} chunks of {m['chunk_trials']} "
                  f"trials, {m['per_chunk']:.2f} s each on a worker, overhead {m['overhead']:.1f} s; "
                  f"load {m['load']:.1f}", flush=True)
    largest = max(measured, key=lambda m: m["reps"])
    print("\n".join(projection(largest, args.workers)))
    if not all(m["same"] for m in measured):
        sys.exit(1)


if __name__ == "__main__":
    main()
