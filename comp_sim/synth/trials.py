"""Monte-Carlo trials as measure arrays, without deal rows.

Cube arrays are float64 (trials, reps, months), stored period-major: each is allocated
(months, trials, reps) and handed over as ``.transpose(1, 2, 0)``, the layout the engine's
kernels (``engine/windows.py``) walk fastest.

Model: a rep's credit rows in a month arrive as a Poisson count per cell (product x new-logo),
sizes as in the deal generator. For each distinct (rate, mean, second moment) of a cell's (rep,
month) pairs, a row of 256 equally likely outcomes holds the count (the Poisson quantile) and
the credited amount (given the count, a lognormal matched to the mean and variance of a sum of
that many deals), with the amounts reshaped so the row's mean and variance are the
compound-Poisson ones. A trial draws one random byte per (month, cell, rep) and looks both up,
so counts and amounts of a cell move together and a cell costs a byte, an index add and a lookup
or two. A deal measure is the sum of the cells it includes. ``avg_discount`` reads amount x the
rep's mean discount of the cell; forecasts are ``bias x (w x bookings + (1 - w) x expected)`` as
in the deal data; MBO scores are drawn per quarter. Forecasts and MBO arrays are made only when
a plan reads them.

Trial ``t`` reads its random bytes from a fixed place of one PCG64 stream (the stream advanced
by ``t`` x bytes per trial), laid out over the source's own months and every cell, whatever the
plans ask for: a chunk needs no other chunk, chunks can run in any order on any number of
threads, any chunk size gives the same numbers, and a plan gets the same trials whichever plans
run beside it (so a baseline's run can be kept and compared with a new draft's).

A chunk is drawn by the compiled kernel of ``kernel.py`` in one pass (bytes, lookups and the
sums of every deal measure), as ``draw_chunk(tables, layout, first_trial, trials)``: a function
of the source's tables, the run's layout and the chunk's place, so a chunk can be drawn in any
thread or process. ``tests/synth/trials_reference.py`` draws the same trials with numpy alone,
a cell array at a time, and the tests hold the two equal to the bit.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from comp_sim.data.cube import Cube
from comp_sim.data.dataset import CREDIT_TYPES, TABLES, Dataset, employed_share
from comp_sim.errors import Issue, UsageError
from comp_sim.measures import BOOKINGS, FORECAST, MBO_COUNT, MBO_SUM, QUOTA, DealMeasure, Needs, target_key
from comp_sim.periods import Month, month_ordinals
from comp_sim.synth.deals import as_month, team_and_deal_rngs
from comp_sim.synth.model import SynthConfig, Team, build_team, quarter_index, seasonality

LEVELS = 256  # equally likely outcomes per cell: one random byte
CHUNK_BYTES = 64 * 2**20  # measure arrays of one chunk, about
ARRAYS_PER_CHUNK = 8  # measure arrays a chunk typically holds (for sizing chunks)
SHRINK_DEALS = 10.0  # credit rows of prior weight when shrinking a rep's attainment to its team's
TABLE_ROWS = 512  # outcome rows made at once
POWER_STEPS = 5  # fixed-point steps matching a row's variance (to within about 0.5%)
TRIAL_STREAM = 2  # SeedSequence child the trials read (0 and 1 are the roster and its deals)
MODELLED_COLUMNS = ("product", "new_logo")
IDLE_REPS = ("inactive", "team")  # what trials do with reps that have no deal in the data
IdleReps = Literal["inactive", "team"]


@dataclass(frozen=True)
class Rates:
    """What the trials are drawn from, per rep, over ``months`` months from ``first_month``.

    ``rate`` (reps, months, products, 2): expected credit rows per month by product and
    new-logo (index 1); ``mean``, ``second``, ``discount`` (reps, products, 2): a credit row's
    mean and second moment of the credited amount, and its amount-weighted mean discount."""

    reps: pd.DataFrame
    first_month: Month
    months: int
    products: tuple[str, ...]
    rate: np.ndarray
    mean: np.ndarray
    second: np.ndarray
    discount: np.ndarray
    forecast_bias: np.ndarray  # (reps,); 0 where the data has no forecasts
    forecast_weight: float
    mbo_mean: np.ndarray  # (reps,)
    mbo_sd: float
    mbo_count: np.ndarray  # (reps, months) scores counted per month (1 in a quarter with a score)
    mbo_bounds: tuple[float, float]  # scores are clipped to this range
    targets: Dataset  # the quotas, as given
    credit_share: np.ndarray  # (reps, 2, 2): of a rep's credited [amount, rows], the [revenue, overlay] share

    @property
    def expected(self) -> np.ndarray:
        """Expected credited bookings, (reps, months)."""
        return (self.rate * self.mean[:, None]).sum(axis=(2, 3))

    def over(self, values: np.ndarray, first: Month, months: int) -> np.ndarray:
        """A (reps, months, ...) array re-indexed to ``months`` months from ``first`` (0 outside)."""
        out = np.zeros((values.shape[0], months) + values.shape[2:])
        offset = first - self.first_month
        lo, hi = max(offset, 0), min(offset + months, self.months)
        if hi > lo:
            out[:, lo - offset: hi - offset] = values[:, lo:hi]
        return out


@dataclass(frozen=True)
class Tables:
    """A source's outcome tables, its stream and where a trial's bytes lie, the same for every
    run of it.

    Bytes of one trial: (months, cells, reps) for the deal cells of the source's months, then
    (quarters, reps) for MBO scores. The tables hold one row of LEVELS outcomes per distinct
    (rate, mean, second moment) of a drawn cell's (rep, month) pairs; ``rows[i]`` (months, reps)
    points each pair of the i-th drawn cell at its row: byte ``b`` reads entry ``rows[i] + b``.
    Cells no rep ever books in are not drawn (their bytes stay in place)."""

    seed: int
    rep_ids: tuple[str, ...]
    drawn: np.ndarray  # (drawn cells,) flat indices into (products, 2) of the cells drawn
    counts: np.ndarray  # (rows * LEVELS,) uint8, the rows of every drawn cell
    amounts: np.ndarray  # (rows * LEVELS,) float32
    rows: np.ndarray  # (drawn cells, months, reps) int64: first index of each pair's row in the tables
    discount: np.ndarray  # (cells, reps) mean discount
    cells: int  # products x 2
    quarter_of: np.ndarray  # (months,) index of each source month's calendar quarter
    mbo_table: np.ndarray  # (reps * LEVELS,) float32

    @property
    def cell_bytes(self) -> int:
        return self.rows.shape[1] * self.cells * self.rows.shape[2]

    @property
    def mbo_bytes(self) -> int:
        return (int(self.quarter_of.max(initial=-1)) + 1) * self.rows.shape[2]

    @property
    def words_per_trial(self) -> int:
        return -(-(self.cell_bytes + self.mbo_bytes) // 8)

    def stream_at(self, trial: int) -> np.random.PCG64:
        """The trials' stream, at trial ``trial``'s first word."""
        stream = np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(TRIAL_STREAM,)))
        stream.advance(trial * self.words_per_trial)
        return stream


@dataclass(frozen=True)
class Layout:
    """What one run reads of the tables: its measures (as sums of cells) over its months.

    The kernel sums ``measures`` and then bookings, when the measures do not hold them
    (forecasts are made from bookings): ``members`` and ``kinds`` have a row for each, and
    ``bookings`` is the row of bookings. ``source_month[m]`` is the source month of the run's
    month ``m`` (-1 outside the source)."""

    first_month: Month
    measures: tuple[DealMeasure, ...]
    members: np.ndarray  # (measures drawn, cells) bool: the cells each measure adds up
    kinds: np.ndarray  # (measures drawn,) int64: what it adds of them (kernel.SUM, COUNT, TIMES_DISCOUNT)
    bookings: int
    source_month: np.ndarray  # (months,) int64
    by_credit: dict[str, tuple[str, np.ndarray]]  # key -> (key of the same measure over every credit, (reps,) share)
    expected: np.ndarray  # (months, reps)
    mbo_count: np.ndarray  # (months, reps)
    targets: dict[str, np.ndarray]  # key -> (months, reps)
    bias: np.ndarray  # (reps,)
    weight: float


@dataclass
class MonteCarloSource:
    """Trials drawn around a roster (synthetic or real): a ``TrialSource`` for ``run_plans``."""

    rates: Rates
    trials: int
    seed: int
    chunk_trials: int | None = None
    covered: list[Month] = field(default_factory=list)
    label: str = ""
    _made: Made = field(default_factory=lambda: Made(), repr=False, compare=False)
    _token: str = field(default_factory=lambda: uuid.uuid4().hex, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise UsageError(Issue("trials must be a whole number above 0", path="trials", value=self.trials))
        if self.chunk_trials is not None and self.chunk_trials < 1:
            raise UsageError(Issue("chunk_trials must be at least 1", path="chunk_trials", value=self.chunk_trials))

    @classmethod
    def synthetic(cls, reps: int, trials: int, seed: int, start: str | Month, config: SynthConfig | None = None,
                  chunk_trials: int | None = None, *, months: int = 12) -> MonteCarloSource:
        """Trials of a synthetic team: the roster ``synthesize(reps, months, seed)`` draws."""
        if reps < 1:
            raise UsageError(Issue("reps must be at least 1", path="synthetic", value=reps))
        first = as_month(start)
        team_rng, _ = team_and_deal_rngs(seed)
        team = build_team(reps, months, team_rng, first, config)
        covered = [first + m for m in range(months)]
        return cls(rates_of_team(team), trials, seed, chunk_trials, covered, f"synthetic {reps} reps")

    @classmethod
    def from_dataset(cls, dataset: Dataset, trials: int, seed: int, chunk_trials: int | None = None,
                     config: SynthConfig | None = None, idle_reps: IdleReps = "inactive") -> MonteCarloSource:
        """Trials around a real roster: its reps and quotas as given, each rep's level from its
        bookings against quota (shrunk to its team), product and new-logo mix from the data.
        Reps without a deal in the data book nothing, unless ``idle_reps="team"``."""
        rates = rates_of_dataset(dataset, config or SynthConfig(), idle_reps)
        return cls(rates, trials, seed, chunk_trials, dataset.months_covered(),
                   f"{dataset.source} (Monte-Carlo around its reps)")

    @property
    def reps(self) -> pd.DataFrame:
        return self.rates.reps

    @property
    def tables(self) -> frozenset[str]:
        """The tables the trials are drawn from: every table for a synthetic team, the ones a
        dataset has around its reps."""
        return self.rates.targets.given

    def months_covered(self) -> list[Month]:
        return list(self.covered)

    def chunk_sizes(self) -> list[int]:
        """Trials per chunk: ``chunk_trials``, or what keeps a chunk's arrays near CHUNK_BYTES."""
        size = min(self.chunk_trials or chunk_trials_for(len(self.rates.reps), self.rates.months), self.trials)
        full, rest = divmod(self.trials, size)
        return [size] * full + ([rest] if rest else [])

    def __getstate__(self) -> dict:
        """Pickled (to a Dask worker) without what it made: the rates make it again where it
        lands, once per process (``resident``)."""
        return {**self.__dict__, "_made": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _made=resident(state["_token"]))

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int) -> Cube:
        """Trials ``sum(chunk_sizes()[:index])`` onwards, as a cube of every measure needed."""
        sizes = self.chunk_sizes()
        tables, layout = self._layout(needed, first_month, months)
        return draw_chunk(tables, layout, sum(sizes[:index]), sizes[index])

    def _layout(self, needed: Needs, first_month: Month, months: int) -> tuple[Tables, Layout]:
        key = (tuple(m.key for m in needed.deal_measures), tuple(needed.target_metrics), first_month, months)
        made = self._made
        with made.lock:
            if made.tables is None:
                made.tables = build_tables(self.rates, self.seed)
            if key not in made.layouts:
                made.layouts[key] = build_layout(self.rates, needed, first_month, months)
            return made.tables, made.layouts[key]


@dataclass
class Made:
    """What a source makes from its rates once and reads for every chunk: its outcome tables and
    a layout per set of measures and months."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tables: Tables | None = None
    layouts: dict = field(default_factory=dict)


RESIDENT_SOURCES = 2  # sources whose tables a process keeps after every copy of them is gone
_resident: OrderedDict[str, Made] = OrderedDict()
_resident_lock = threading.Lock()


def resident(token: str) -> Made:
    """What the source ``token`` made in this process, shared by every copy of it unpickled here.

    A Dask worker may drop its copy of a source between tasks (Dask's active memory manager
    removes replicas that no task waiting there needs) and fetch another for a later task; a new
    copy would make the tables again, which takes as long as many chunks, so what the last
    RESIDENT_SOURCES sources made is kept."""
    with _resident_lock:
        made = _resident.pop(token, None) or Made()
        _resident[token] = made
        while len(_resident) > RESIDENT_SOURCES:
            _resident.popitem(last=False)
        return made


class LazyMeasures(Mapping):
    """A chunk's measures as the engine reads them, (trials, reps, months) views of period-major
    arrays; forecasts and MBO scores are made only when first read (many plans never read
    them). Each cube is read by one thread, so no lock is needed."""

    def __init__(self, eager: dict[str, np.ndarray], lazy: dict[tuple[str, ...], Callable[[], list[np.ndarray]]]):
        self._values = {k: v.transpose(1, 2, 0) for k, v in eager.items()}
        self._lazy = dict(lazy)

    def __getitem__(self, key: str) -> np.ndarray:
        for keys in [k for k in self._lazy if key in k]:
            made = self._lazy.pop(keys)()
            self._values.update((k, v.transpose(1, 2, 0)) for k, v in zip(keys, made))
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        yield from list(self._values)
        yield from [k for keys in self._lazy for k in keys]

    def __len__(self) -> int:
        return len(self._values) + sum(len(keys) for keys in self._lazy)


def kernel_ready() -> bool:
    """Whether this process has the trial kernel and the engine's array kernels
    (``comp_sim.plan.kernels``) compiled, or loaded from numba's disk cache."""
    kernel = sys.modules.get("comp_sim.synth.kernel")
    array_kernels = sys.modules.get("comp_sim.plan.kernels")
    return (kernel is not None and bool(kernel.draw_measures.signatures) and array_kernels is not None
            and array_kernels.ready())


def prepare_kernel() -> None:
    """Compile the trial kernel, or load it from the disk cache, by drawing one trial of one rep
    (the same path as every draw, so the same compiled kernel), and the array kernels a large
    run's engine calls: once per machine the compile takes some seconds."""
    from comp_sim.plan import kernels

    synthesize_trials(1, 12, 1, seed=0).chunk(0, Needs((BOOKINGS,), ()), Month.parse("2026-01"), 12)
    kernels.prepare()


def chunk_trials_for(reps: int, months: int) -> int:
    """Trials per chunk that keep a chunk's measure arrays near CHUNK_BYTES.

    >>> chunk_trials_for(1_000, 12), chunk_trials_for(100_000, 12)
    (87, 1)
    """
    return max(1, CHUNK_BYTES // (max(1, reps) * max(1, months) * 8 * ARRAYS_PER_CHUNK))


def synthesize_trials(reps: int, months: int, trials: int, seed: int, *, start: str | Month = "2026-01",
                      config: SynthConfig | None = None, chunk_trials: int | None = None) -> MonteCarloSource:
    """Monte-Carlo trials of the synthetic team ``synthesize(reps, months, seed)`` draws."""
    return MonteCarloSource.synthetic(reps, trials, seed, start, config, chunk_trials, months=months)


def draw_chunk(tables: Tables, layout: Layout, first_trial: int, trials: int) -> Cube:
    """Trials ``first_trial`` .. ``first_trial + trials - 1`` of a source as a cube of the
    layout's measures: a function of its arguments alone, so a chunk can be drawn anywhere."""
    from comp_sim.synth import kernel  # numba loads on the first draw, not with every command

    reps, months = len(tables.rep_ids), len(layout.source_month)
    values, words = kernel.draw_measures(
        kernel.stream_state(tables.stream_at(first_trial)), trials, tables.words_per_trial, tables.cells,
        tables.drawn, tables.rows, tables.amounts, tables.counts, tables.discount, layout.members, layout.kinds,
        layout.source_month)
    quarters = words.view(np.uint8)[:, tables.cell_bytes: tables.cell_bytes + tables.mbo_bytes].copy()
    del words
    measures = {measure.key: values[k] for k, measure in enumerate(layout.measures)}
    bookings = values[layout.bookings]
    for key, (every, share) in layout.by_credit.items():
        measures[key] = measures[every] * share
    for key, target in layout.targets.items():
        measures[key] = np.broadcast_to(target[:, None, :], (months, trials, reps))
    lazy = {
        (FORECAST,): lambda: [_forecast(layout, bookings)],
        (MBO_SUM, MBO_COUNT): lambda: list(_draw_mbo(tables, layout, quarters, trials, reps)),
    }
    return Cube(layout.first_month, tables.rep_ids, LazyMeasures(measures, lazy), trials)


def _forecast(layout: Layout, bookings: np.ndarray) -> np.ndarray:
    """bias x (w x bookings + (1 - w) x expected), as the deal data's forecasts."""
    forecast = np.empty_like(bookings)
    for month in range(bookings.shape[0]):
        np.multiply(bookings[month], layout.weight * layout.bias, out=forecast[month])
        np.add(forecast[month], (1 - layout.weight) * layout.bias * layout.expected[month], out=forecast[month])
    return forecast


def _draw_mbo(tables: Tables, layout: Layout, quarters: np.ndarray, trials: int,
              reps: int) -> tuple[np.ndarray, np.ndarray]:
    """Quarterly MBO scores, repeated over the quarter's months where a score counts."""
    months = len(layout.source_month)
    base = np.arange(reps, dtype=np.intp) * LEVELS
    scores = np.zeros((months, trials, reps))
    index = np.empty((trials, reps), dtype=np.intp)
    score = np.empty((trials, reps), dtype=np.float32)
    drawn = -1
    for month, source in enumerate(layout.source_month):
        if source < 0:
            continue
        quarter = int(tables.quarter_of[source])
        if quarter != drawn:
            np.add(quarters[:, quarter * reps: (quarter + 1) * reps], base, out=index)
            np.take(tables.mbo_table, index, out=score)
            drawn = quarter
        np.multiply(score, layout.mbo_count[month], out=scores[month])
    return scores, np.broadcast_to(layout.mbo_count[:, None, :], (months, trials, reps))


def build_tables(rates: Rates, seed: int) -> Tables:
    """Outcome tables of every cell some rep books in, over the source's months: one table whose
    rows are each cell's distinct (rate, mean, second moment); and the trials' stream of ``seed``."""
    reps = len(rates.reps)
    rate = rates.rate.reshape(reps, rates.months, -1)  # (reps, months, cells)
    drawn = np.flatnonzero(rate.sum(axis=(0, 1)) > 0).astype(np.int64)
    params, rows, first_row = [], np.zeros((len(drawn), rates.months, reps), dtype=np.int64), 0
    for i, cell in enumerate(drawn):
        distinct, row_of = np.unique(pair_params(rates, cell).reshape(-1, 3), axis=0, return_inverse=True)
        params.append(distinct)
        rows[i] = (first_row + row_of.reshape(reps, rates.months).T) * LEVELS
        first_row += len(distinct)
    count, amount = outcome_tables(np.concatenate(params) if params else np.zeros((0, 3)))
    quarter = np.array([quarter_index(rates.first_month + m) for m in range(rates.months)])
    levels = (np.arange(LEVELS) + 0.5) / LEVELS
    mbo_table = np.clip(rates.mbo_mean[:, None] + rates.mbo_sd * inverse_normal(levels)[None, :], *rates.mbo_bounds)
    return Tables(
        seed=seed, rep_ids=tuple(rates.reps["rep_id"].astype(str)), drawn=drawn,
        counts=count.ravel(), amounts=amount.ravel(), rows=rows,
        discount=np.ascontiguousarray(rates.discount.reshape(reps, -1).T), cells=rate.shape[2],
        quarter_of=quarter - quarter.min(), mbo_table=mbo_table.astype(np.float32).ravel(),
    )


def pair_params(rates: Rates, cell: int) -> np.ndarray:
    """(rate, mean, second moment) of a cell for every (rep, month), (reps, months, 3)."""
    rate = rates.rate.reshape(len(rates.reps), rates.months, -1)[:, :, cell]
    mean = rates.mean.reshape(len(rates.reps), -1)[:, None, cell]
    second = rates.second.reshape(len(rates.reps), -1)[:, None, cell]
    return np.stack([rate, np.broadcast_to(mean, rate.shape), np.broadcast_to(second, rate.shape)], axis=-1)


def outcome_tables(params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``outcome_table`` of each (rate, mean, second) row of ``params``, made TABLE_ROWS rows at
    a time (so their (rows, LEVELS) temporaries stay in cache: several times faster) on every
    core; the counts (at most 255) as uint8 and the amounts, (rows, LEVELS) each."""
    counts = np.empty((len(params), LEVELS), dtype=np.uint8)
    amounts = np.empty((len(params), LEVELS), dtype=np.float32)

    def block(first: int) -> None:
        part = slice(first, first + TABLE_ROWS)
        count, amounts[part] = outcome_table(params[part, 0], params[part, 1], params[part, 2])
        np.minimum(count, 255, out=count)
        counts[part] = count

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(block, range(0, len(params), TABLE_ROWS)))
    return counts, amounts


def build_layout(rates: Rates, needed: Needs, first_month: Month, months: int) -> Layout:
    """The measures needed, as sums of cells, over the requested months. A measure of revenue or
    overlay credits only is the same measure over every credit times the rep's share of it."""
    from comp_sim.synth.kernel import COUNT, SUM, TIMES_DISCOUNT

    wanted = {m.key: m for m in needed.deal_measures}
    by_credit = {}
    for key, measure in list(wanted.items()):
        types = dict(measure.where).get("credit_type")
        if types is None:
            continue
        every = replace(measure, where=tuple((c, v) for c, v in measure.where if c != "credit_type"))
        wanted.pop(key)
        wanted.setdefault(every.key, every)
        kind = 0 if measure.kind == "sum" else 1
        share = sum(rates.credit_share[:, kind, CREDIT_TYPES.index(t)] for t in types if t in CREDIT_TYPES)
        by_credit[key] = (every.key, np.asarray(share, dtype="float64") * np.ones(len(rates.reps)))
    measures = tuple(wanted.values())
    drawn = measures if BOOKINGS in measures else measures + (BOOKINGS,)
    members = np.stack([_membership(m, rates.products) for m in drawn])
    kinds = np.array([COUNT if m.kind == "count" else TIMES_DISCOUNT if m.times else SUM for m in drawn],
                     dtype=np.int64)
    offset = first_month - rates.first_month
    source_month = np.array([offset + m if 0 <= offset + m < rates.months else -1 for m in range(months)],
                            dtype=np.int64)
    target_cube = rates.targets.cube((), needed.target_metrics, first_month, months)
    targets = {target_key(t): target_cube.measures[target_key(t)][0].T.copy() for t in needed.target_metrics}
    return Layout(
        first_month=first_month, measures=measures, members=members, kinds=kinds,
        bookings=drawn.index(BOOKINGS), source_month=source_month, by_credit=by_credit,
        expected=rates.over(rates.expected, first_month, months).T.copy(),
        mbo_count=rates.over(rates.mbo_count, first_month, months).T.copy(),
        targets=targets, bias=rates.forecast_bias, weight=rates.forecast_weight,
    )


def _membership(measure: DealMeasure, products: tuple[str, ...]) -> np.ndarray:
    """Which (product, new-logo) cells a measure adds up, (products * 2,) bool; a UsageError
    names the plan metric when it reads a column the trials do not model."""
    who = f"plan metric '{measure.source}'" if measure.source else f"measure {measure.key}"
    problem, column = None, None
    if measure.kind == "sum" and measure.column != "amount":
        problem, column = "adds up", measure.column
    elif measure.times not in (None, "discount"):
        problem, column = "multiplies by", measure.times
    else:
        other = [c for c, _ in measure.where if c not in MODELLED_COLUMNS]
        if other:
            problem, column = "filters on", other[0]
    if problem:
        raise UsageError(Issue(
            f"{who} {problem} deals column '{column}'; Monte-Carlo trials model deals by "
            f"{' and '.join(MODELLED_COLUMNS)} only, summing amount (or amount x discount): "
            "run this plan on historical data (trials = 1)",
            path=f"metrics.{measure.source}" if measure.source else measure.key, value=column))
    keep = np.ones((len(products), 2), dtype=bool)
    for column, wanted in measure.where:
        if column == "product":
            keep &= np.isin(np.asarray(products, dtype=object), [str(v) for v in wanted])[:, None]
        else:
            flags = [v for v in wanted if isinstance(v, bool)]
            keep &= np.array([False in flags, True in flags])[None, :]
    return keep.ravel()


def outcome_table(rate: np.ndarray, mean: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(count, amount) at LEVELS equally likely quantiles, each (reps, LEVELS) float32.

    The count is the Poisson(rate) quantile; the amount given n deals is lognormal with the mean
    and variance of n deal sizes (mean, second moment given); the positive amounts are then
    reshaped so the row's mean is rate x mean and its variance rate x second.

    >>> count, amount = outcome_table(np.array([0.5]), np.array([100.0]), np.array([20000.0]))
    >>> round(float(count.mean()), 2), round(float(amount.astype(float).mean()), 6), round(float(amount.astype(float).var()))
    (0.5, 50.0, 10000)
    """
    reps = rate.size
    levels = (np.arange(LEVELS) + 0.5) / LEVELS
    top = int(np.ceil(rate.max(initial=0.0) + 12 * np.sqrt(rate.max(initial=0.0)) + 12))
    pmf = np.empty((reps, top + 1))
    pmf[:, 0] = np.exp(-rate)
    for k in range(1, top + 1):
        pmf[:, k] = pmf[:, k - 1] * rate / k
    cdf = np.cumsum(pmf, axis=1)
    rows = np.arange(reps)[:, None] * 2.0  # rows apart, so one sorted search serves them all
    found = np.searchsorted((cdf + rows).ravel(), (levels[None, :] + rows).ravel(), side="left")
    count = np.minimum(found.reshape(reps, LEVELS) - np.arange(reps)[:, None] * (top + 1), top)
    below = np.take_along_axis(np.concatenate([np.zeros((reps, 1)), cdf], axis=1), count, axis=1)
    within = (levels[None, :] - below) / np.take_along_axis(pmf, count, axis=1)
    within = np.clip(within, 1e-9, 1 - 1e-9)
    n = np.maximum(count, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv2 = np.where(mean > 0, second / (mean * mean) - 1.0, 0.0)
    sigma2 = np.log1p(np.maximum(cv2, 0.0)[:, None] / n)
    amount = np.where(count > 0, n * mean[:, None] * np.exp(np.sqrt(sigma2) * inverse_normal(within) - sigma2 / 2), 0.0)
    amount = _match_moments(amount, count > 0, rate * mean, rate * second)
    return count.astype(np.float32), amount.astype(np.float32)


def _match_moments(amount: np.ndarray, positive: np.ndarray, target_mean: np.ndarray,
                   target_var: np.ndarray) -> np.ndarray:
    """Reshape each row's positive entries as c x amount^g (c, g > 0) so the row's mean and
    variance are the targets: g fixes the spread (found in a few fixed-point steps, as if the
    entries were lognormal), c the mean. Positive stays positive, so a deal always brings money.
    (A row whose positive entries are all equal cannot spread; it keeps them.)"""
    share = positive.mean(axis=1)
    ok = (share > 0) & (target_mean > 0)
    safe = np.where(ok, share, 1.0)[:, None]
    centre = np.where(ok, target_mean, 1.0)[:, None] / safe  # the positive entries' mean
    wanted_cv2 = np.maximum((target_var[:, None] + target_mean[:, None] ** 2) / safe / centre ** 2 - 1.0, 0.0)
    logs = np.where(positive, np.log(np.where(positive, amount, 1.0)), 0.0)
    n_pos = np.maximum(positive.sum(axis=1, keepdims=True), 1)
    logs = np.where(positive, logs - logs.sum(axis=1, keepdims=True) / n_pos, 0.0)
    spread = (logs ** 2).sum(axis=1, keepdims=True) / n_pos
    steady = (spread <= 1e-12) | (wanted_cv2 <= 0) | ~ok[:, None]
    power = np.where(steady, 1.0, np.sqrt(np.log1p(wanted_cv2) / np.where(steady, 1.0, spread)))
    with np.errstate(invalid="ignore", divide="ignore"):  # rows without a deal: power stays 1
        for _ in range(POWER_STEPS):
            shaped = np.where(positive, np.exp(power * logs), 0.0)
            first = shaped.sum(axis=1, keepdims=True) / n_pos
            got_cv2 = (shaped ** 2).sum(axis=1, keepdims=True) / n_pos / first ** 2 - 1.0
            step = np.sqrt(np.log1p(wanted_cv2) / np.maximum(np.log1p(got_cv2), 1e-12))
            power = np.where(steady, 1.0, np.clip(power * step, 0.05, 20.0))
        shaped = np.where(positive, np.exp(power * logs), 0.0)
        shaped *= centre / (shaped.sum(axis=1, keepdims=True) / n_pos)
    return np.where(positive & ok[:, None], shaped, 0.0)


def inverse_normal(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).

    >>> [round(float(x), 6) for x in inverse_normal(np.array([0.025, 0.5, 0.975]))]
    [-1.959964, 0.0, 1.959964]
    """
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
    p = np.asarray(p, dtype="float64")
    s = p - 0.5
    t = s * s
    out = (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * s / \
        (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1)
    tail_p = np.minimum(p, 1 - p)
    in_tail = tail_p < 0.02425
    r = np.sqrt(-2 * np.log(tail_p[in_tail]))
    tail = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / \
        ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1)
    out[in_tail] = np.where(p[in_tail] < 0.5, tail, -tail)
    return out


def rates_of_team(team: Team) -> Rates:
    """The synthetic team's rates, as the deal generator draws them."""
    rate, mean, second = team.credit_moments()
    config = team.config
    _, position, active = team.employed_quarters()
    targets = replace(Dataset.from_frames(team.reps, quotas=team.quotas(), source="synthetic"), given=frozenset(TABLES))
    return Rates(
        reps=team.reps, first_month=team.first_month, months=team.months, products=config.products,
        rate=rate, mean=mean, second=second, discount=_team_discount(team),
        forecast_bias=team.forecast_bias, forecast_weight=config.forecast_weight,
        mbo_mean=team.mbo_mean, mbo_sd=config.mbo_quarter_sd,
        mbo_count=(active[:, position] > 0).astype("float64"), mbo_bounds=(0.0, 1.0), targets=targets,
        credit_share=team.credit_share(),
    )


def _team_discount(team: Team) -> np.ndarray:
    """Amount-weighted mean discount of a rep's deals by product, (reps, products, 2): the deal
    generator's clip(tendency + slope x log size + noise) averaged by Gauss-Hermite quadrature."""
    config = team.config
    nodes, weights = np.polynomial.hermite_e.hermegauss(24)
    weights = weights / weights.sum()
    sigma = np.asarray(config.deal_size_sigma)[:, None, None]  # (products, size node, noise node)
    log_size = sigma * nodes[None, :, None]
    noise = config.discount_noise * nodes[None, None, :]
    size_weight = np.exp(log_size) * weights[None, :, None] * weights[None, None, :]
    discount = np.clip(team.discount_tendency[:, None, None, None] + config.discount_slope * log_size[None]
                       + noise[None], 0.0, config.discount_max)
    mean = (discount * size_weight[None]).sum(axis=(2, 3)) / size_weight.sum(axis=(1, 2))[None]
    return np.repeat(mean[:, :, None], 2, axis=2)


def rates_of_dataset(dataset: Dataset, config: SynthConfig, idle_reps: IdleReps = "inactive") -> Rates:
    """Rates around a loaded roster (see ``MonteCarloSource.from_dataset``)."""
    if idle_reps not in IDLE_REPS:
        raise UsageError(Issue(f"must be one of {', '.join(IDLE_REPS)}", path="idle_reps", value=idle_reps))
    reps, deals = dataset.reps, dataset.deals
    covered = dataset.months_covered()
    if not covered:
        raise UsageError(Issue("Monte-Carlo trials around data need deals or quotas to learn from",
                               source=dataset.source))
    first, months = covered[0], covered[-1] - covered[0] + 1
    n_reps = len(reps)
    rep_pos = pd.Index(reps["rep_id"].astype(str)).get_indexer(deals["rep_id"].astype(str))
    credited = (deals["amount"] * deals["split"]).to_numpy(dtype="float64")
    rows = (deals["split"].to_numpy() > 0) & (rep_pos >= 0)
    product_names = deals["product"].astype("string").fillna("")
    products = tuple(sorted(product_names[rows].unique().tolist())) or ("",)
    product_pos = pd.Index(products).get_indexer(product_names)
    cell = product_pos * 2 + deals["new_logo"].to_numpy(dtype=bool).astype(int)
    n_cells = len(products) * 2
    rep_pos, credited, cell = rep_pos[rows], credited[rows], cell[rows]
    discount = deals["discount"].to_numpy(dtype="float64")[rows]

    row_count = np.bincount(cell, minlength=n_cells).astype("float64")
    safe_count = np.maximum(row_count, 1)
    cell_mean = np.bincount(cell, weights=credited, minlength=n_cells) / safe_count
    cell_second = np.bincount(cell, weights=credited ** 2, minlength=n_cells) / safe_count
    cell_amount = np.bincount(cell, weights=credited, minlength=n_cells)
    cell_discount = np.divide(np.bincount(cell, weights=credited * discount, minlength=n_cells), cell_amount,
                              out=np.zeros(n_cells), where=cell_amount > 0)

    role = reps["role"].astype(str)
    role_codes, role_of = np.unique(role.to_numpy(), return_inverse=True)
    role_amount = np.zeros((len(role_codes), n_cells))
    np.add.at(role_amount, (role_of[rep_pos], cell), credited)
    role_total = role_amount.sum(axis=1, keepdims=True)
    overall = cell_amount / max(cell_amount.sum(), 1e-12)
    mix = np.where(role_total > 0, role_amount / np.where(role_total > 0, role_total, 1.0), overall[None, :])

    quota_cube = dataset.cube((), ("bookings",), first, months)
    quota = quota_cube.measures[QUOTA][0]  # (reps, months)
    employed = employed_share(reps, first, months)
    bookings = np.bincount(rep_pos, weights=credited, minlength=n_reps)
    rep_rows = np.bincount(rep_pos, minlength=n_reps).astype("float64")
    idle = dataset.idle_sellers() if idle_reps == "team" else np.zeros(n_reps, dtype=bool)
    expected = _expected_bookings(reps, bookings, rep_rows, quota, employed, first, config, idle)

    rate = expected[:, :, None] * mix[role_of][:, None, :] / np.where(cell_mean > 0, cell_mean, 1.0)[None, None, :]
    rep_discount_amount = np.bincount(rep_pos, weights=credited * discount, minlength=n_reps)
    overall_discount = rep_discount_amount.sum() / max(bookings.sum(), 1e-12)
    prior = SHRINK_DEALS * (cell_amount.sum() / max(row_count.sum(), 1))
    rep_discount = (rep_discount_amount + prior * overall_discount) / (bookings + prior)
    factor = rep_discount / overall_discount if overall_discount > 0 else np.ones(n_reps)
    rep_cell_discount = np.clip(cell_discount[None, :] * factor[:, None], 0.0, 1.0)

    return Rates(
        reps=reps, first_month=first, months=months, products=products,
        rate=rate.reshape(n_reps, months, len(products), 2),
        mean=np.broadcast_to(cell_mean, (n_reps, n_cells)).reshape(n_reps, len(products), 2).copy(),
        second=np.broadcast_to(cell_second, (n_reps, n_cells)).reshape(n_reps, len(products), 2).copy(),
        discount=rep_cell_discount.reshape(n_reps, len(products), 2),
        forecast_bias=_forecast_bias(dataset, first, months, credited, rep_pos),
        forecast_weight=config.forecast_weight,
        **_mbo_of(dataset, first, months),
        targets=dataset,
        credit_share=_credit_share_of_deals(n_reps, rep_pos, credited, deals["credit_type"].to_numpy()[rows]),
    )


def _credit_share_of_deals(reps: int, rep_pos: np.ndarray, credited: np.ndarray, credit_type: np.ndarray) -> np.ndarray:
    """(reps, 2, 2): each rep's share of credited [amount, rows] that is [revenue, overlay] in
    the data; a rep without credits is all revenue."""
    overlay = credit_type == "overlay"
    share = np.zeros((reps, 2, 2))
    for kind, weights in enumerate((credited, np.ones_like(credited))):
        every = np.bincount(rep_pos, weights=weights, minlength=reps)
        over = np.bincount(rep_pos[overlay], weights=weights[overlay], minlength=reps)
        share[:, kind, 1] = np.divide(over, every, out=np.zeros(reps), where=every > 0)
        share[:, kind, 0] = 1.0 - share[:, kind, 1]
    return share


def _expected_bookings(reps: pd.DataFrame, bookings: np.ndarray, rep_rows: np.ndarray, quota: np.ndarray,
                       employed: np.ndarray, first: Month, config: SynthConfig,
                       at_team_level: np.ndarray | None = None) -> np.ndarray:
    """Expected credited bookings (reps, months): the rep's attainment so far (shrunk to its
    team's by SHRINK_DEALS credit rows) x its quota, shaped by the quarter's seasonality; a rep
    without a quota books its own monthly average (shrunk the same way). Team figures are those
    of reps with deals; a rep without any books nothing, or its team's level where
    ``at_team_level`` (reps,) says so."""
    team = reps["team"].astype("string").fillna(reps["role"].astype(str)).to_numpy()
    team_codes, team_of = np.unique(team.astype(str), return_inverse=True)
    quota_total = quota.sum(axis=1)
    active = rep_rows > 0
    with_quota = quota_total > 0
    active_months = employed.sum(axis=1)

    def shrunk(value: np.ndarray, usable: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        usable = usable & active
        team_num = np.bincount(team_of, weights=np.where(usable, numerator, 0.0), minlength=len(team_codes))
        team_den = np.bincount(team_of, weights=np.where(usable, denominator, 0.0), minlength=len(team_codes))
        overall = np.where(usable, numerator, 0.0).sum() / max(np.where(usable, denominator, 0.0).sum(), 1e-12)
        team_value = np.where(team_den > 0, team_num / np.where(team_den > 0, team_den, 1.0), overall)[team_of]
        return (rep_rows * value + SHRINK_DEALS * team_value) / (rep_rows + SHRINK_DEALS)

    attainment = shrunk(np.divide(bookings, quota_total, out=np.zeros_like(bookings), where=with_quota),
                        with_quota, bookings, quota_total)
    monthly = shrunk(np.divide(bookings, active_months, out=np.zeros_like(bookings), where=active_months > 0),
                     active_months > 0, bookings, active_months)
    months = quota.shape[1]
    season = seasonality(first, months, config)
    from_quota = attainment[:, None] * quota * season[None, :]
    from_average = monthly[:, None] * employed * season[None, :]
    booking = (employed > 0) & (active if at_team_level is None else active | at_team_level)[:, None]
    return np.where(with_quota[:, None], from_quota, from_average) * booking


def _forecast_bias(dataset: Dataset, first: Month, months: int, credited: np.ndarray,
                   rep_pos: np.ndarray) -> np.ndarray:
    """Each rep's forecast / bookings over the months it forecast, shrunk towards 1 (3 months of
    prior weight); 0 for everyone when the data has no forecasts (then none are drawn)."""
    n_reps = len(dataset.reps)
    if dataset.forecasts.empty:
        return np.zeros(n_reps)
    forecast = dataset.cube((), (), first, months).measures[FORECAST][0]
    forecast_months = forecast > 0
    month_pos = month_ordinals(dataset.deals["close_date"]) - first.ordinal
    keep = (dataset.deals["split"].to_numpy() > 0) & (pd.Index(dataset.reps["rep_id"].astype(str))
                                                     .get_indexer(dataset.deals["rep_id"].astype(str)) >= 0)
    month_pos = month_pos[keep]
    inside = (month_pos >= 0) & (month_pos < months)
    actual = np.zeros((n_reps, months))
    np.add.at(actual, (rep_pos[inside], month_pos[inside]), credited[inside])
    given = np.where(forecast_months, forecast, 0.0).sum(axis=1)
    booked = np.where(forecast_months, actual, 0.0).sum(axis=1)
    ratio = np.divide(given, booked, out=np.ones(n_reps), where=booked > 0)
    weight = forecast_months.sum(axis=1)
    return np.clip((weight * ratio + 3.0) / (weight + 3.0), 0.3, 3.0)


def _mbo_of(dataset: Dataset, first: Month, months: int) -> dict:
    """Each rep's mean MBO score and the spread of scores around it; where scores count."""
    n_reps = len(dataset.reps)
    count = dataset.cube((), (), first, months).measures[MBO_COUNT][0]
    mbo = dataset.mbo
    if mbo.empty:
        return {"mbo_mean": np.zeros(n_reps), "mbo_sd": 0.0, "mbo_count": count, "mbo_bounds": (0.0, 0.0)}
    pos = pd.Index(dataset.reps["rep_id"].astype(str)).get_indexer(mbo["rep_id"].astype(str))
    score = mbo["score"].to_numpy(dtype="float64")
    known = pos >= 0
    total = np.bincount(pos[known], weights=score[known], minlength=n_reps)
    rows = np.bincount(pos[known], minlength=n_reps)
    mean = np.divide(total, rows, out=np.full(n_reps, score[known].mean() if known.any() else 0.0), where=rows > 0)
    spread = float(np.sqrt(np.mean((score[known] - mean[pos[known]]) ** 2))) if known.any() else 0.0
    bounds = (float(score[known].min()), float(score[known].max())) if known.any() else (0.0, 0.0)
    return {"mbo_mean": mean, "mbo_sd": spread, "mbo_count": count, "mbo_bounds": bounds}


__all__ = ["MonteCarloSource", "Rates", "synthesize_trials", "outcome_table", "inverse_normal", "draw_chunk",
           "kernel_ready", "prepare_kernel"]
