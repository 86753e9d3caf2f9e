"""``--scheduler``: run, calibrate, sensitivity and gaming on a Dask cluster print and write what
they do without one, byte for byte; ``local:2`` from the installed command as a user runs it,
and the address of a running scheduler (the session's ``local_cluster``) in-process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_data import CLI, PLANS, ROOT

from comp_sim import cli

PROGRAMS = ["--program", str(ROOT / "programs" / "current-2026.yaml"),
            "--program", str(ROOT / "programs" / "proposed-2027.yaml")]


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def in_process(args: list[str], folder: Path, capsys, monkeypatch) -> tuple[str, dict[str, bytes]]:
    """``comp-sim ARGS`` through its entry point in ``folder``: what it printed and wrote."""
    folder.mkdir()
    monkeypatch.chdir(folder)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    captured = capsys.readouterr()
    assert exit_info.value.code == 0, captured.err
    assert "Traceback" not in captured.err
    return captured.out, files_of(folder)


@pytest.mark.slow
def test_the_installed_command_with_local_workers_writes_the_same_files(tmp_path):
    args = ["run", *PROGRAMS, "--trials", "40", "--seed", "3"]
    runs = {}
    for name, extra in (("here", []), ("local", ["--scheduler", "local:2"])):
        done = subprocess.run([str(CLI), *args, *extra, "--out", tmp_path / name], capture_output=True, text=True,
                              cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        runs[name] = (done.stdout, files_of(tmp_path / name))
    assert set(runs["here"][1]) == {"comparison.csv", "payouts.csv", "statements.csv", "summary.json",
                                    "winners_losers.csv"}
    assert runs["local"][1] == runs["here"][1]
    assert runs["local"][0].replace(str(tmp_path / "local"), "OUT") == runs["here"][0].replace(str(tmp_path / "here"), "OUT")


COMMANDS = {
    "run": ["run", *PROGRAMS, "--trials", "30", "--seed", "4", "--out", "results"],
    "calibrate": ["calibrate", "--plan", str(PLANS / "balanced-2027.yaml"), "--budget", "3000000", "--lever", "ti",
                  "--trials", "20", "--seed", "1", "--out", "balanced-budget.yaml"],
    "sensitivity": ["sensitivity", *PROGRAMS, "--dimension", "new_logos", "--seed", "2"],
    "gaming": ["gaming", "--plan", str(PLANS / "current-2026.yaml"), "--seed", "5"],
}


@pytest.mark.parametrize("args", list(COMMANDS.values()), ids=list(COMMANDS))
def test_a_running_scheduler_prints_and_writes_the_same(args, local_cluster, tmp_path, capsys, monkeypatch):
    here = in_process(args, tmp_path / "here", capsys, monkeypatch)
    there = in_process([*args, "--scheduler", local_cluster.client.scheduler.address], tmp_path / "there", capsys,
                       monkeypatch)
    assert there == here
    assert here[0].strip()


def test_the_installed_command_names_an_address_it_cannot_reach_without_a_traceback(tmp_path):
    done = subprocess.run([str(CLI), "run", "--plan", str(PLANS / "balanced-2027.yaml"), "--scheduler",
                           "tcp://127.0.0.1:1", "--out", tmp_path / "out"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "<input>: scheduler: cannot reach a Dask scheduler at 'tcp://127.0.0.1:1' (Timed out trying to connect to "
        "tcp://127.0.0.1:1 after 10 s); start one with `dask scheduler` and workers with `dask worker "
        "tcp://127.0.0.1:1`, or give local:N for N worker processes on this machine")
    assert not (tmp_path / "out").exists()


ZERO_QUOTA_PLAN = """\
plan: Test
id: test
start: 2027-01
roles: {AE: {target_incentive: 12000}}
components:
  - {id: revenue, weight: 1.0, metric: attainment, measure: quarter, curve: {points: [[0, 0], [1, 1], [2, 3]]}}
"""


@pytest.mark.slow
def test_bad_data_found_on_a_worker_reads_as_it_does_here_and_nothing_else(tmp_path):
    """Bookings over a quarter without quota is found while the chunk runs, on a worker: the
    message is the one a run here gives, with no worker log or traceback beside it."""
    (tmp_path / "plan.yaml").write_text(ZERO_QUOTA_PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "reps.csv").write_text("rep_id,role\nR1,AE\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\nD1,R1,2027-05-10,5000\n")
    (data / "quotas.csv").write_text("rep_id,period,metric,target\nR1,2027-Q1,bookings,10000\n")
    runs = [subprocess.run([str(CLI), "run", "--plan", "plan.yaml", "--data", "data", *extra, "--out", "out"],
                           capture_output=True, text=True, cwd=tmp_path) for extra in ([], ["--scheduler", "local:2"])]
    assert [done.returncode for done in runs] == [1, 1]
    assert runs[1].stderr == runs[0].stderr
    assert runs[0].stderr.strip().startswith("rep R1: 2027-Q2: attainment = bookings / quota = 5,000.00 / 0: ")
    assert not (tmp_path / "out").exists()
