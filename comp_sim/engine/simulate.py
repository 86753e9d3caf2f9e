"""Run plans over a source of trials, chunk by chunk, into ``PlanResult``s.

A source is historical data (one trial) or Monte-Carlo trials; either way the engine sees cubes
shaped (trials, reps, months) and folds each chunk into per-plan totals before the next one is
made, so peak memory depends on the chunk size, not on the trial count.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

import pandas as pd

from comp_sim.data.cube import Cube
from comp_sim.data.dataset import REQUIRED, Dataset
from comp_sim.engine.compile import CompiledPlan, compile_plan, needs
from comp_sim.engine.results import ChunkTotals, PlanAccumulator, PlanResult
from comp_sim.engine.run import Roster, build_roster, run_plan
from comp_sim.errors import DataError, Issue
from comp_sim.measures import Needs, table_of
from comp_sim.periods import MONTHS_PER, PLAN_YEAR_MONTHS, Month
from comp_sim.plan.loader import format_path
from comp_sim.plan.models import Plan

if TYPE_CHECKING:
    from comp_sim.engine.distributed import Cluster

Progress = Callable[[int, int], None]  # (trials done, trials in all)
T = TypeVar("T")
DETAIL_ROWS = 1_000_000  # payout rows kept in detail at most (whole trials)


class TrialSource(Protocol):
    """Where trials come from: the reps, the months the data covers, and cubes of trials.

    Chunks are made independently of each other (``chunk(i)`` needs no earlier chunk), so they
    can be made and run on several cores at once and give the same numbers however they are
    scheduled."""

    reps: pd.DataFrame
    trials: int
    label: str

    @property
    def tables(self) -> frozenset[str]:
        """The data tables behind the trials (a plan reading another is refused)."""
        ...

    def months_covered(self) -> list[Month]: ...

    def chunk_sizes(self) -> list[int]: ...

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int) -> Cube: ...


@dataclass
class HistoricalSource:
    """Historical data: one trial, the data as it happened."""

    dataset: Dataset
    trials: int = 1

    @property
    def reps(self) -> pd.DataFrame:
        return self.dataset.reps

    @property
    def label(self) -> str:
        return self.dataset.source

    @property
    def tables(self) -> frozenset[str]:
        return self.dataset.given

    def months_covered(self) -> list[Month]:
        return self.dataset.months_covered()

    def chunk_sizes(self) -> list[int]:
        return [1]

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int) -> Cube:
        return self.dataset.cube(needed.deal_measures, needed.target_metrics, first_month, months)


def plan_year(plan: Plan, covered: Sequence[Month]) -> Month:
    """The first month of the plan year a plan runs on for data covering ``covered`` months.

    A plan runs on the year it names when the data reaches into it. Otherwise (replaying history
    through a proposed plan, say) it runs on the plan year with the same start month that holds
    the most months of data, the latest on a tie.

    >>> from comp_sim.plan.loader import load_plan
    >>> plan = load_plan("plans/balanced-2027.yaml")
    >>> str(plan_year(plan, [Month.parse("2026-03"), Month.parse("2026-11")]))
    '2026-01'
    """
    own = plan.start
    if not covered or any(0 <= m - own < PLAN_YEAR_MONTHS for m in covered):
        return own
    counts: dict[int, int] = {}
    for month in covered:
        shift = (month - own) // PLAN_YEAR_MONTHS
        counts[shift] = counts.get(shift, 0) + 1
    best = max(counts.items(), key=lambda item: (item[1], item[0]))[0]
    return own + best * PLAN_YEAR_MONTHS


def run_plans(plans: Sequence[Plan], source: TrialSource, *, detail_trials: int | None = None,
              progress: Progress | None = None, workers: int | None = None,
              cluster: Cluster | None = None) -> list[PlanResult]:
    """Every plan over every trial of the source, chunk by chunk on ``workers`` threads
    (default: one per core), or as tasks on a Dask ``cluster``; the chunks are folded in order
    either way, so the numbers are the same to the bit."""
    covered = source.months_covered()
    compiled = [compile_plan(plan, plan_year(plan, covered)) for plan in plans]
    first = min(c.start for c in compiled)
    months = max(c.start for c in compiled) - first + PLAN_YEAR_MONTHS
    rosters = [build_roster(c.plan, source.reps, c.start) for c in compiled]
    check_tables([c for c, r in zip(compiled, rosters) if len(r.rep_ids)], source)
    if detail_trials is None:
        rows = max(1, max(_rows_per_trial(c.plan, len(r.rep_ids)) for c, r in zip(compiled, rosters)))
        detail_trials = max(1, min(source.trials, DETAIL_ROWS // rows))
    accumulators = [PlanAccumulator(c, r, _covered_reps(source.reps, r.positions), source.trials, detail_trials)
                    for c, r in zip(compiled, rosters)]
    work = ChunkWork(tuple(compiled), tuple(rosters), needs(compiled), first, months)
    sizes = source.chunk_sizes()
    starts = [sum(sizes[:index]) for index in range(len(sizes))]
    keep = [accumulators[0].keep(start, size) for start, size in zip(starts, sizes)]
    if cluster is not None:
        chunks = cluster.in_order(chunk_totals, source, work, keep)
    else:
        workers = workers if workers is not None else (os.cpu_count() or 1)
        chunks = _in_order(lambda index: chunk_totals(source, work, index, keep[index]), len(sizes), workers)
    done = 0
    for totals in chunks:
        for accumulator, chunk in zip(accumulators, totals):
            accumulator.add(chunk)
        done += totals[0].trials
        if progress is not None:
            progress(done, source.trials)
    return [a.result for a in accumulators]


@dataclass(frozen=True)
class ChunkWork:
    """What every chunk of one run does: the compiled plans and their rosters over the months
    from ``first``, reading the ``needed`` measures. Made once per run and sent once to a
    cluster's workers."""

    compiled: tuple[CompiledPlan, ...]
    rosters: tuple[Roster, ...]
    needed: Needs
    first: Month
    months: int


def chunk_totals(source: TrialSource, work: ChunkWork, index: int, keep: int) -> list[ChunkTotals]:
    """Chunk ``index`` of the source through every plan, folded into each plan's totals (the
    first ``keep`` trials kept in detail): a function of its arguments alone, so it runs the
    same on any thread, process or machine, and again after a worker is lost."""
    cube = source.chunk(index, work.needed, work.first, work.months)
    return [ChunkTotals.of(run_plan(c, cube, r), keep) for c, r in zip(work.compiled, work.rosters)]


def check_tables(compiled: Sequence[CompiledPlan], source: TrialSource) -> None:
    """What the data cannot answer is said, never guessed: a plan reading a table the data does
    not have (quotas for attainment, forecasts for forecast_accuracy, ...) is a data error at the
    plan's line, not a run on zeros."""
    issues = []
    for c in compiled:
        plan = c.plan
        for use in plan.reads():
            if use.loc[0] not in ("components", "modifiers"):
                continue
            for table in sorted({table_of(m) for m in plan.measures_of(use.name)} - source.tables):
                line, column = plan.position(use.loc)
                issues.append(Issue(
                    f"'{use.name}' is computed from the {table} table, which the data ({source.label}) does not "
                    f"have: add a {table} file (columns {', '.join(REQUIRED[table])}) or pay on another metric",
                    source=plan.source, line=line, column=column, path=format_path(use.loc)))
    if issues:
        raise DataError(issues)


def _in_order(work: Callable[[int], T], count: int, workers: int) -> Iterator[T]:
    """``work(0) .. work(count - 1)``, computed on up to ``workers`` threads (numpy releases the
    GIL in its array loops) and yielded in order, with at most ``workers + 1`` results in
    memory at once."""
    if workers <= 1 or count <= 1:
        yield from (work(index) for index in range(count))
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[T]] = deque()
        next_index = 0
        while next_index < count or pending:
            while next_index < count and len(pending) <= workers:
                pending.append(pool.submit(work, next_index))
                next_index += 1
            yield pending.popleft().result()


def _rows_per_trial(plan: Plan, reps: int) -> int:
    return reps * sum(PLAN_YEAR_MONTHS // MONTHS_PER[c.measure] for c in plan.components)


def _covered_reps(reps: pd.DataFrame, positions) -> pd.DataFrame:
    columns = ["rep_id", "name", "role", "team", "region", "manager_id"]
    frame = reps.iloc[positions].reset_index(drop=True)
    for column in columns:
        if column not in frame:
            frame[column] = pd.NA
    return frame[columns]
