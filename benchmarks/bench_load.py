"""Benchmark: load 1,000,000 deals for 2,000 reps (CSV and Parquet) and build the measures cube.

Run: ``.venv/bin/python benchmarks/bench_load.py [--deals N] [--reps N]``. Prints one line per
step: wall seconds, CPU seconds (user + system, all threads: the figure to compare on a busy
machine) and the peak resident memory (MiB) of a fresh process that ran it (the cube step's
process loads the Parquet folder first; its seconds are the cube alone).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "plans" / "balanced-2027.yaml"
PRODUCTS = np.array(["Platform", "Analytics", "Core", "Services"])


def write_data(folder: Path, deals: int, reps: int, seed: int = 7) -> None:
    """A plan year of deals with the columns of SPEC "Data", as CSV in ``csv/`` and Parquet
    in ``parquet/`` (new_logo left out, so that it is derived, the slower path)."""
    rng = np.random.default_rng(seed)
    rep_ids = np.char.add("R", np.char.zfill(np.arange(1, reps + 1).astype(str), 5))
    rep_table = pd.DataFrame({
        "rep_id": rep_ids,
        "name": np.char.add("Rep ", rep_ids),
        "role": "AE",
        "hire_date": pd.Timestamp("2025-01-01"),
        "target_incentive": 60000.0,
    })
    days = rng.integers(0, 365, deals)
    deal_table = pd.DataFrame({
        "deal_id": np.char.add("D", np.char.zfill(np.arange(1, deals + 1).astype(str), 8)),
        "rep_id": rep_ids[rng.integers(0, reps, deals)],
        "close_date": pd.Timestamp("2027-01-01") + pd.to_timedelta(days, unit="D"),
        "amount": np.round(rng.lognormal(9.5, 1.0, deals), 2),
        "product": PRODUCTS[rng.integers(0, len(PRODUCTS), deals)],
        "account_id": np.char.add("A", rng.integers(0, deals // 5, deals).astype(str)),
        "discount": np.round(rng.uniform(0, 0.3, deals), 3),
    })
    quarters = [f"2027-Q{q}" for q in range(1, 5)]
    quota_table = pd.DataFrame({
        "rep_id": np.repeat(rep_ids, 8),
        "period": np.tile(np.repeat(quarters, 2), reps),
        "metric": np.tile(["bookings", "new_logos"], reps * 4),
        "target": np.tile([deals / reps * 15000 / 4, 2.0], reps * 4),
    })
    forecast_table = pd.DataFrame({
        "rep_id": np.repeat(rep_ids, 4),
        "period": np.tile(quarters, reps),
        "forecast": np.round(rng.uniform(0.5, 1.5, reps * 4) * deals / reps * 15000 / 4, 0),
    })
    tables = {"reps": rep_table, "deals": deal_table, "quotas": quota_table, "forecasts": forecast_table}
    for kind in ("csv", "parquet"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            if kind == "csv":
                out = table.copy()
                for column in ("hire_date", "close_date"):
                    if column in out:
                        out[column] = out[column].dt.strftime("%Y-%m-%d")
                out.to_csv(folder / kind / f"{name}.csv", index=False)
            else:
                table.to_parquet(folder / kind / f"{name}.parquet", index=False)


def step(name: str, folder: str) -> dict:
    """One timed step in this (fresh) process."""
    from comp_sim.data.loader import load_data
    from comp_sim.engine.compile import compile_plan, needs
    from comp_sim.periods import Month
    from comp_sim.plan.loader import load_plan

    if name == "cube":
        dataset = load_data(Path(folder) / "parquet")
        plan = load_plan(PLAN)
        needed = needs([compile_plan(plan, plan.start)])
        start, cpu = time.perf_counter(), _cpu_seconds()
        cube = dataset.cube(needed.deal_measures, needed.target_metrics, Month.parse("2027-01"), 12)
        detail = f"{len(cube.measures)} measures, {len(cube.rep_ids):,} reps x {cube.months} months"
    else:
        start, cpu = time.perf_counter(), _cpu_seconds()
        dataset = load_data(Path(folder) / name)
        detail = f"{len(dataset.deals):,} deals, {len(dataset.reps):,} reps"
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"step": name, "seconds": seconds, "cpu": cpu, "peak_mib": peak_mib, "detail": detail}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=2_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="comp_sim_bench_") as tmp:
        write_data(Path(tmp), args.deals, args.reps)
        labels = {"csv": "load_data CSV", "parquet": "load_data Parquet", "cube": "cube for balanced-2027"}
        for name, label in labels.items():
            with ProcessPoolExecutor(1, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
                result = pool.submit(step, name, tmp).result()
            print(f"{label:24s} {result['seconds']:6.2f} s  (CPU {result['cpu']:5.2f} s)  "
                  f"peak RSS {result['peak_mib']:5.0f} MiB  "
                  f"({result['detail']})")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
