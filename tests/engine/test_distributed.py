"""Trials run as tasks on a Dask cluster of two worker processes give the numbers of the run in
this process, to the bit (so to the cent): every per-trial total, the percentiles, the
statements and the detail trials' payouts; for plans and for programs, over several seeds; when
a worker dies mid-run; and for calibration, sensitivity and gaming, which run many simulations.

The cluster (``local_cluster`` in tests/conftest.py) is started once for the session.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import get_task_stream

from comp_sim import api
from comp_sim.engine import distributed
from comp_sim.engine.results import PlanResult
from comp_sim.engine.simulate import run_plans
from comp_sim.errors import DataError, UsageError
from comp_sim.measures import Needs
from comp_sim.periods import Month
from comp_sim.plan.loader import load_plan
from comp_sim.synth.trials import MonteCarloSource

PLANS = ["plans/balanced-2027.yaml", "plans/current-2026.yaml", "plans/manager-2027.yaml"]
PROGRAMS = ["programs/current-2026.yaml", "programs/proposed-2027.yaml"]
ARRAYS = [f.name for f in fields(PlanResult) if f.type.startswith("np.ndarray")]


def source(seed: int, trials: int = 90) -> MonteCarloSource:
    """Synthetic trials in chunks of 13 (the last one shorter), so chunks finish out of order."""
    return MonteCarloSource.synthetic(120, trials, seed, "2027-01", chunk_trials=13)


def assert_same_results(here: list[PlanResult], there: list[PlanResult]) -> None:
    """Every array of every plan's result equal to the bit, and the detail trials' payouts."""
    assert [r.plan.id for r in here] == [r.plan.id for r in there]
    for mine, theirs in zip(here, there):
        for name in ARRAYS:
            if getattr(mine, name) is not None or getattr(theirs, name) is not None:
                np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name), err_msg=name)
        assert [run.trials for run in mine.detail] == [run.trials for run in theirs.detail]
        for a, b in zip(mine.detail, theirs.detail):
            for line_a, line_b in zip(a.paid_lines(), b.paid_lines()):
                np.testing.assert_array_equal(line_a.amounts, line_b.amounts, err_msg=line_a.id)


def assert_same_simulation(here: api.Simulation, there: api.Simulation) -> None:
    """What a user reads: statements, summary (its percentiles too) and payouts, the same."""
    pd.testing.assert_frame_equal(here.statements, there.statements)
    pd.testing.assert_frame_equal(here.summary, there.summary)
    pd.testing.assert_frame_equal(here.payouts, there.payouts)
    assert here.summary_json() == there.summary_json()


@pytest.mark.parametrize("seed", [0, 7, 2027])
def test_chunks_on_two_worker_processes_equal_the_run_in_this_process(local_cluster, seed):
    plans = [load_plan(p) for p in PLANS]
    here = run_plans(plans, source(seed), detail_trials=20)  # the detail ends inside the second chunk
    with get_task_stream(client=local_cluster.client) as tasks:
        there = run_plans(plans, source(seed), detail_trials=20, cluster=local_cluster)
    assert_same_results(here, there)
    assert [len(r.detail) for r in there] == [2, 2, 2] and sum(run.trials for run in there[0].detail) == 20
    chunks = [t for t in tasks.data if t["key"].startswith(distributed.TASK_KEY)]
    assert len(chunks) == 7  # ceil(90 / 13) chunks, each a task
    assert len({t["worker"] for t in chunks}) == 2  # shared by both workers


@pytest.mark.parametrize("seed", [1, 5])
def test_programs_on_the_cluster_equal_the_run_in_this_process(local_cluster, seed):
    here = api.simulate(PROGRAMS, trials=60, seed=seed)
    there = api.simulate(PROGRAMS, trials=60, seed=seed, scheduler=local_cluster)
    assert_same_simulation(here, there)
    pd.testing.assert_frame_equal(api.compare(here).reps, api.compare(there).reps)
    pd.testing.assert_frame_equal(api.compare(here).plans, api.compare(there).plans)


def test_history_and_synthetic_teams_on_the_cluster_equal_the_run_in_this_process(local_cluster):
    assert_same_simulation(api.simulate(PROGRAMS), api.simulate(PROGRAMS, scheduler=local_cluster))
    assert_same_simulation(api.simulate(PLANS, synthetic=150, trials=40, seed=3),
                           api.simulate(PLANS, synthetic=150, trials=40, seed=3, scheduler=local_cluster))


def test_a_connected_client_is_a_scheduler_too(local_cluster):
    here = api.simulate(PLANS[:1], synthetic=50, trials=30, seed=4)
    assert_same_simulation(here, api.simulate(PLANS[:1], synthetic=50, trials=30, seed=4,
                                              scheduler=local_cluster.client))


@dataclass
class DiesOnce:
    """A trial source whose chunk ``index`` kills the worker process running it the first time
    (the pid it killed is written to ``marker``); after that it is the source it wraps."""

    source: MonteCarloSource
    marker: Path
    index: int

    def __getattr__(self, name: str):
        if name == "source":  # not set yet while unpickling
            raise AttributeError(name)
        return getattr(self.source, name)

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int):
        if index == self.index and not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return self.source.chunk(index, needed, first_month, months)


def test_a_worker_killed_mid_run_is_replaced_and_the_numbers_do_not_change(local_cluster, tmp_path):
    plans = [load_plan(p) for p in PLANS]
    marker = tmp_path / "killed.pid"
    there = run_plans(plans, DiesOnce(source(11), marker, index=3), detail_trials=20, cluster=local_cluster)
    killed = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)  # that worker process is gone
    local_cluster.client.wait_for_workers(2)
    assert killed not in local_cluster.client.run(os.getpid).values()
    assert_same_results(run_plans(plans, source(11), detail_trials=20), there)


def test_a_data_error_found_on_a_worker_reads_as_it_does_here(local_cluster):
    plan = {"plan": "Test", "id": "test", "start": "2027-01", "roles": {"AE": {"target_incentive": 12000}},
            "components": [{"id": "revenue", "weight": 1.0, "metric": "attainment", "measure": "quarter",
                            "curve": {"points": [[0, 0], [1, 1], [2, 3]], "beyond": "hold"}}]}
    data = api.Dataset.from_frames(
        pd.DataFrame([{"rep_id": "R1", "role": "AE"}]),
        deals=pd.DataFrame([{"deal_id": "D1", "rep_id": "R1", "close_date": "2027-05-10", "amount": 5_000}]),
        quotas=pd.DataFrame([{"rep_id": "R1", "period": "2027-Q1", "metric": "bookings", "target": 10_000}]))
    with pytest.raises(DataError) as here:
        api.simulate([plan], data)
    with pytest.raises(DataError) as there:
        api.simulate([plan], data, scheduler=local_cluster)
    assert str(there.value) == str(here.value)
    assert str(there.value).startswith("rep R1: 2027-Q2: attainment = bookings / quota = 5,000.00 / 0: ")


def test_no_more_tasks_are_out_than_the_window(local_cluster, monkeypatch):
    """Chunks are handed out as earlier ones come back, so the client holds a bounded number."""
    client = local_cluster.client
    client.wait_for_workers(2)  # both, should one still be coming back from the test that kills it
    window = distributed.TASKS_PER_THREAD * sum(client.nthreads().values())
    submitted, out = [], []
    submit = client.submit
    monkeypatch.setattr(client, "submit", lambda *a, **k: submitted.append(1) or submit(*a, **k))
    many = MonteCarloSource.synthetic(20, 120, 9, "2027-01", chunk_trials=3)  # 40 chunks
    run_plans([load_plan(PLANS[0])], many, cluster=local_cluster,
              progress=lambda done, total: out.append(len(submitted) - done // 3))
    assert len(submitted) == 40
    assert max(out) <= window and min(out) >= 0


def test_calibration_sends_the_trials_once_and_solves_the_same_scale(local_cluster, monkeypatch):
    scattered = []
    scatter = local_cluster.client.scatter
    monkeypatch.setattr(local_cluster.client, "scatter", lambda data, **k: scattered.append(data) or scatter(data, **k))
    options = {"lever": "rates", "cost_neutral_to": "plans/current-2026.yaml", "trials": 30, "seed": 2}
    here = api.calibrate("plans/balanced-2027.yaml", **options)
    there = api.calibrate("plans/balanced-2027.yaml", **options, scheduler=local_cluster)
    assert (there.scale, there.reached, there.evaluations) == (here.scale, here.reached, here.evaluations)
    assert there.yaml == here.yaml and there.before == here.before and there.after == here.after
    sources = [data[0] for data in scattered if isinstance(data[0], MonteCarloSource)]
    assert len(sources) == 1  # the trials, once for the baseline and every step of the search
    assert len(scattered) == 1 + 1 + here.evaluations  # and each run's compiled plans


@pytest.mark.slow
def test_sensitivity_and_gaming_on_the_cluster_equal_the_run_in_this_process(local_cluster):
    for options in ({"dimension": "attainment", "trials": 20, "seed": 1}, {"dimension": "mix", "seed": 3}):
        here = api.sensitivity(PROGRAMS, **options)
        pd.testing.assert_frame_equal(here, api.sensitivity(PROGRAMS, **options, scheduler=local_cluster))
    here = api.gaming("plans/current-2026.yaml", seed=2)
    pd.testing.assert_frame_equal(here, api.gaming("plans/current-2026.yaml", seed=2, scheduler=local_cluster))


@dataclass
class AlwaysDies(DiesOnce):
    """A source whose chunk ``index`` kills every worker process that runs it."""

    def chunk(self, index: int, needed: Needs, first_month: Month, months: int):
        if index == self.index:
            os.kill(os.getpid(), signal.SIGKILL)
        return self.source.chunk(index, needed, first_month, months)


@pytest.mark.slow
def test_a_chunk_that_kills_every_worker_stops_the_run_naming_it(tmp_path):
    # A cluster of its own: killing its workers again and again can leave a nanny that no longer
    # restarts its worker, which the other tests' cluster must not inherit.
    with distributed.open_cluster("local:2") as cluster, pytest.raises(UsageError) as stopped:
        run_plans([load_plan(PLANS[0])], AlwaysDies(source(12, trials=40), tmp_path / "unused", index=1),
                  cluster=cluster)
    # whether Dask gives up on the chunk first, or both workers die at once with the trials
    assert str(stopped.value).startswith("<input>: scheduler: the Dask workers at local:2 died ")
    assert str(stopped.value).endswith("give the workers more memory, or run fewer reps or trials at once "
                                       "(got 'local:2')")


def test_a_scheduler_whose_workers_run_another_comp_sim_is_refused_naming_them(local_cluster, monkeypatch):
    here, real = os.getpid(), distributed.version
    monkeypatch.setattr(distributed, "version", lambda name: "0.0.0" if os.getpid() == here else real(name))
    address = local_cluster.client.scheduler.address
    with pytest.raises(UsageError) as refused:
        with distributed.open_cluster(address):
            pass
    workers = sorted(local_cluster.client.scheduler_info()["workers"])
    assert str(refused.value) == (
        f"<input>: scheduler: the workers of the Dask scheduler at {address} must run comp-sim 0.0.0 ("
        + ", ".join(f"{worker} has {real('comp-sim')}" for worker in workers)
        + f"); install it on every worker (got '{address}')")
