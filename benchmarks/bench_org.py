"""The whole org over Monte-Carlo trials: 1,000 sellers under 100 managers and 10 directors.

Sellers are paid by balanced-2027 and the managers and directors by manager-2027, whose team
metrics sum the same trial's members: one gather and one ``np.add.reduceat`` per team measure
and window over a membership index, never a loop over managers. Printed beside the same
sellers without the org (balanced-2027 alone), so the cost of the team metrics shows.

``python benchmarks/bench_org.py`` (``make bench`` runs it), optionally ``--trials T``.
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
sys.path[:0] = [str(ROOT)]

from comp_sim.engine.simulate import run_plans  # noqa: E402
from comp_sim.plan.loader import load_plan  # noqa: E402
from comp_sim.report import tables  # noqa: E402
from comp_sim.synth.model import SynthConfig  # noqa: E402
from comp_sim.synth.trials import MonteCarloSource  # noqa: E402

SEED = 2027
TRIALS = 10_000
SELLERS_ONLY = SynthConfig(role_shares={"AE": 1.0}, reps_per_manager=0)
ORG = SynthConfig(role_shares={"AE": 1.0}, reps_per_manager=10, managers_per_director=10)
SELLERS, ORG_REPS = 1_000, 1_110  # 1,000 AEs, 100 managers, 10 directors


def measure(org: bool, trials: int) -> dict:
    """One run in this process: wall and CPU seconds, peak memory, who was paid."""
    plans = [load_plan(ROOT / "plans" / "balanced-2027.yaml")]
    if org:
        plans.append(load_plan(ROOT / "plans" / "manager-2027.yaml"))
    source = MonteCarloSource.synthetic(ORG_REPS if org else SELLERS, trials, SEED, "2027-01",
                                        ORG if org else SELLERS_ONLY)
    roles = source.reps["role"].value_counts().to_dict()
    wall, cpu = time.perf_counter(), time.process_time()
    results = run_plans(plans, source)
    tables.summary_table(results)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "roles": roles,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "cost": {r.plan.id: float(r.total_cost.mean()) for r in results}, "load": os.getloadavg()[0]}


def in_fresh_process(function, *args):
    """Run ``function(*args)`` in a new interpreter, so its peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=TRIALS)
    args = parser.parse_args(argv)
    for org in (False, True):
        m = in_fresh_process(measure, org, args.trials)
        who = ", ".join(f"{n:,} {role}" for role, n in sorted(m["roles"].items(), key=lambda item: -item[1]))
        paid = ", ".join(f"{plan} {cost:,.0f}" for plan, cost in m["cost"].items())
        print(f"{'org' if org else 'sellers only'}: {who} x 12 months x {args.trials:,} trials: {m['wall']:.2f} s "
              f"(CPU {m['cpu']:.2f} s, load average {m['load']:.1f}), peak {m['peak_mib']:,.0f} MiB; "
              f"mean cost {paid}", flush=True)


if __name__ == "__main__":
    main()
