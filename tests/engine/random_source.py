"""A stand-in ``TrialSource``: random monthly measures, arrays shaped (trials, reps, months).

Chunk ``i`` depends only on (seed, i), so runs repeat whatever the threads. Every deal measure
is a multiple of the month's deal count, so a sum over deals is 0 exactly when bookings are,
and targets are positive: no ratio of a plan divides a non-zero number by 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from comp_sim.data.cube import Cube
from comp_sim.measures import Needs, measure_key
from comp_sim.periods import Month


class RandomCubeSource:
    """Stand-in trial source: random monthly measures of plausible size, (trials, reps, months)."""

    label = "random stand-in arrays"
    tables = frozenset({"reps", "quotas", "deals", "forecasts", "mbo"})

    def __init__(self, reps: int, trials: int, seed: int, chunk_trials: int = 64):
        self.reps = pd.DataFrame({"rep_id": [f"R{i:05d}" for i in range(reps)], "role": "AE"})
        self.trials, self.seed, self.size = trials, seed, chunk_trials

    def months_covered(self) -> list[Month]:
        return [Month.parse("2027-01") + i for i in range(12)]

    def chunk_sizes(self) -> list[int]:
        full, rest = divmod(self.trials, self.size)
        return [self.size] * full + ([rest] if rest else [])

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int) -> Cube:
        """Arrays stored period-major and targets broadcast over trials, as the real source's."""
        rng = np.random.default_rng([self.seed, index])
        shape = (months, self.chunk_sizes()[index], len(self.reps))
        deals = rng.poisson(2.0, shape).astype("float64")
        bookings = deals * 30000.0
        measures = {measure_key(m): (deals if m.kind == "count" else bookings) * rng.uniform(0.2, 1.0)
                    for m in needed.deal_measures}
        measures.update({"target." + t: np.broadcast_to(60000.0 if t == "bookings" else 0.5, shape)
                         for t in needed.target_metrics})
        measures.update(forecast=bookings * rng.uniform(0.8, 1.2, shape), mbo_sum=np.zeros(shape),
                        mbo_count=np.zeros(shape))
        return Cube(first_month, tuple(self.reps["rep_id"]),
                    {key: values.transpose(1, 2, 0) for key, values in measures.items()}, trials=shape[1])
