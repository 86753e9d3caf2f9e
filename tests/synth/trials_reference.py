"""Trials drawn with numpy alone, a whole cell array at a time: the kernel is held equal to it.

The bytes come from numpy's own ``PCG64.random_raw``; each measure is the cell arrays of its
cells added with ``np.add`` in cell order, as the trials were drawn before the kernel. It is
slower and plainer on purpose. Forecasts and MBO scores are made by the same functions as the
kernel's cubes (they are not part of the kernel), from these bookings and these bytes.

``reference_measures(tables, layout, first_trial, trials)`` returns every measure a cube of the
same chunk holds, ``{key: (trials, reps, months)}``.
"""

from __future__ import annotations

import numpy as np

from comp_sim.measures import BOOKINGS, FORECAST, MBO_COUNT, MBO_SUM
from comp_sim.synth.trials import Layout, Tables, _draw_mbo, _forecast


def reference_measures(tables: Tables, layout: Layout, first_trial: int, trials: int) -> dict[str, np.ndarray]:
    reps, months = len(tables.rep_ids), len(layout.source_month)
    words = tables.stream_at(first_trial).random_raw(trials * tables.words_per_trial)
    draws = words.view(np.uint8).reshape(trials, -1)
    cells = draws[:, : tables.cell_bytes].reshape(trials, -1, tables.cells, reps)
    quarters = draws[:, tables.cell_bytes:]

    measures = list(layout.measures) if BOOKINGS in layout.measures else [*layout.measures, BOOKINGS]
    sums = {m.key: np.zeros((months, trials, reps)) for m in measures}
    for drawn, cell in enumerate(tables.drawn):
        for month, source in enumerate(layout.source_month):
            if source < 0:
                continue
            index = cells[:, source, cell, :] + tables.rows[drawn, source]
            amount = np.take(tables.amounts, index)  # float32
            count = np.take(tables.counts, index)  # uint8
            for k, measure in enumerate(measures):
                if not layout.members[k, cell]:
                    continue
                if measure.kind == "count":
                    added = count
                elif measure.times == "discount":
                    added = np.multiply(amount, tables.discount[cell])  # float32 x float64: float64
                else:
                    added = amount
                np.add(sums[measure.key][month], added, out=sums[measure.key][month])
    out = {key: values.transpose(1, 2, 0) for key, values in sums.items()}
    out[FORECAST] = _forecast(layout, sums[BOOKINGS.key]).transpose(1, 2, 0)
    mbo_sum, mbo_count = _draw_mbo(tables, layout, quarters, trials, reps)
    out[MBO_SUM], out[MBO_COUNT] = mbo_sum.transpose(1, 2, 0), mbo_count.transpose(1, 2, 0)
    if BOOKINGS not in layout.measures:
        del out[BOOKINGS.key]
    return out
