"""Bad input of every kind exits 1 with a message naming the problem, never a traceback, and
writes nothing; an internal error exits 2 with a hint to re-run with --debug.

Each bad invocation runs ``comp-sim`` in-process (its entry point, ``cli.main``) in a fresh
folder, which must be exactly as it was afterwards; one smoke test runs the installed command as
a subprocess, as a user does.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cli_data import CLI, PLANS

from comp_sim import cli

CURRENT = str(PLANS / "current-2026.yaml")
BALANCED = str(PLANS / "balanced-2027.yaml")
RUN = ["run", "--plan", CURRENT]

# (arguments, text the message must hold); {tmp} is the test's folder, which holds:
# full/ (a non-empty folder), afile.txt, bad.yaml (broken YAML), badplan.yaml (weights sum to 0.9),
# data/ (the small dataset as CSV), baddata/ (a deal amount that is not a number).
BAD = {
    "plan file missing": (["run", "--plan", "{tmp}/nope.yaml", "--out", "{tmp}/out"],
                          "nope.yaml: cannot read the plan file: No such file or directory"),
    "plan not YAML": (["run", "--plan", "{tmp}/bad.yaml", "--out", "{tmp}/out"], "bad.yaml:3:"),
    "plan breaks a rule": (["run", "--plan", "{tmp}/badplan.yaml", "--out", "{tmp}/out"], "sum"),
    "same plan twice": ([*RUN, "--plan", CURRENT, "--out", "{tmp}/out"],
                        "plan id 'current-2026' is loaded twice"),
    "unknown baseline": ([*RUN, "--plan", BALANCED, "--baseline", "nope", "--out", "{tmp}/out"],
                         "--baseline: no plan 'nope' among the --plan and --program files (ids: current-2026, balanced-2027)"),
    "zero trials": ([*RUN, "--trials", "0", "--out", "{tmp}/out"], "--trials: must be a whole number above 0 (got 0)"),
    "negative trials": ([*RUN, "--trials", "-5", "--out", "{tmp}/out"], "--trials: must be a whole number above 0 (got -5)"),
    "trials not a number": ([*RUN, "--trials", "many", "--out", "{tmp}/out"], "Invalid value for '--trials'"),
    "zero synthetic reps": ([*RUN, "--synthetic", "0", "--out", "{tmp}/out"], "--synthetic: must be a whole number above 0"),
    "too many trials": ([*RUN, "--trials", "100001", "--out", "{tmp}/out"],
                        "trials: at most 100,000 Monte-Carlo trials a run (got 100001)"),
    "too many synthetic reps": ([*RUN, "--synthetic", "1000001", "--trials", "2", "--out", "{tmp}/out"],
                                "synthetic: at most 1,000,000 synthetic reps (got 1000001)"),
    "too much work": ([*RUN, "--synthetic", "100000", "--trials", "4001", "--out", "{tmp}/out"],
                      "reps x trials is at most 400,000,000 a run"),
    "synth too many reps": (["synth", "--reps", "20001", "--out", "{tmp}/syn"], "--reps: must be at most 20,000 (got 20001)"),
    "synth too many months": (["synth", "--months", "121", "--out", "{tmp}/syn"], "--months: must be at most 120 (got 121)"),
    "data and synthetic": ([*RUN, "--data", "{tmp}/data", "--synthetic", "10", "--out", "{tmp}/out"],
                           "give --data or --synthetic, not both"),
    "map with synthetic": ([*RUN, "--synthetic", "10", "--map", "deals.amount=Amount", "--out", "{tmp}/out"],
                           "--mapping, --map and --history-before read --data files"),
    "map an unknown column": ([*RUN, "--data", "{tmp}/data", "--map", "deals.amnt=Amount", "--out", "{tmp}/out"],
                              "--map: unknown column 'amnt' of the deals table; did you mean 'amount'?"),
    "history cut-off not a date": ([*RUN, "--data", "{tmp}/data", "--history-before", "2026-13-01", "--out", "{tmp}/out"],
                                   "--history-before: must be a date written YYYY-MM-DD (got '2026-13-01')"),
    "unknown idle reps": ([*RUN, "--trials", "5", "--idle-reps", "all", "--out", "{tmp}/out"],
                          "--idle-reps: must be one of inactive, team (got 'all')"),
    "calibrate unknown idle reps": (["calibrate", "--plan", BALANCED, "--budget", "1000000", "--trials", "5",
                                     "--idle-reps", "all", "--out", "{tmp}/b.yaml"],
                                    "--idle-reps: must be one of inactive, team (got 'all')"),
    "calibrate history cut-off not a date": (["calibrate", "--plan", BALANCED, "--budget", "1000000", "--data",
                                              "{tmp}/data", "--history-before", "2026-13-01", "--out", "{tmp}/b.yaml"],
                                             "--history-before: must be a date written YYYY-MM-DD (got '2026-13-01')"),
    "quotas bad options": (["quotas", "--data", "{tmp}/data", "--method", "magic", "--reach", "3", "--out", "{tmp}/q.csv"],
                           "--method: must be one of trailing, percentile, uniform (got 'magic') <input>: --reach: must be"),
    "quotas amount not a number": (["quotas", "--data", "{tmp}/data", "--method", "uniform", "--amount", "AE=lots",
                                    "--out", "{tmp}/q.csv"],
                                   "--amount: an amount is written ROLE=AMOUNT or METRIC:ROLE=AMOUNT, e.g. AE=800000 (got 'AE=lots')"),
    "quotas amount missing a role": (["quotas", "--data", "{tmp}/data", "--method", "uniform", "--amount", "AE=800000",
                                      "--out", "{tmp}/q.csv"], "amount: give an amount for role(s) Hunter"),
    "quotas ramp not numbers": (["quotas", "--data", "{tmp}/data", "--ramp", "0.5,half", "--out", "{tmp}/q.csv"],
                                "--ramp: ramp factors are numbers separated by commas, e.g. 0.25,0.5,0.75 (got '0.5,half')"),
    "quotas output exists": (["quotas", "--data", "{tmp}/data", "--out", "{tmp}/afile.txt"],
                             "afile.txt: the output file exists"),
    "quotas output not a table file": (["quotas", "--data", "{tmp}/data", "--out", "{tmp}/q.txt"],
                                       "q.txt: a quotas file ends in .csv, .parquet or .xlsx"),
    "lint data folder missing": (["lint", CURRENT, "--data", "{tmp}/nodata"], "nodata: no such folder"),
    "data folder missing": ([*RUN, "--data", "{tmp}/nodata", "--out", "{tmp}/out"], "nodata: no such folder"),
    "bad data": ([*RUN, "--data", "{tmp}/baddata", "--out", "{tmp}/out"],
                 "baddata/deals.csv:2: amount: must be a number (got 'lots')"),
    "map pair without =": ([*RUN, "--data", "{tmp}/data", "--map", "deals.amount", "--out", "{tmp}/out"],
                           "--map: a column mapping is written TABLE.COLUMN=EXPORT_COLUMN"),
    "map to a missing column": ([*RUN, "--data", "{tmp}/data", "--map", "deals.amount=Amount", "--out", "{tmp}/out"],
                                "column 'Amount' (mapped to amount) is not in {tmp}/data/deals.csv"),
    "mapping file missing": ([*RUN, "--data", "{tmp}/data", "--mapping", "{tmp}/nomap.yaml", "--out", "{tmp}/out"],
                             "nomap.yaml: cannot read the mapping file"),
    "unknown run format": ([*RUN, "--format", "pdf", "--out", "{tmp}/out"], "--format: must be one of csv, parquet, xlsx (got 'pdf')"),
    "output not empty": ([*RUN, "--out", "{tmp}/full"], "full: the output folder is not empty; choose another or pass --force"),
    "output is a file": ([*RUN, "--out", "{tmp}/afile.txt"], "afile.txt: the output must be a folder, and a file has that name"),
    "output inside a file": ([*RUN, "--out", "{tmp}/afile.txt/results"],
                             "afile.txt/results: cannot write the output here: {tmp}/afile.txt is a file, not a folder"),
    "output missing": (RUN, "Missing option '--out'"),
    "unknown option": ([*RUN, "--out", "{tmp}/out", "--turbo"], "No such option: --turbo"),
    "unknown command": (["simulate"], "No such command 'simulate'"),
    "explain unknown rep": (["explain", "--plan", BALANCED, "--data", "{tmp}/data", "--rep", "NOPE"],
                            "no rep 'NOPE' on plan balanced-2027 (its reps: R1, R2, R3)"),
    "explain unknown format": (["explain", "--plan", BALANCED, "--rep", "R1", "--format", "pdf"],
                               "--format: must be one of text, json, html (got 'pdf')"),
    "explain output exists": (["explain", "--plan", BALANCED, "--rep", "R1", "--out", "{tmp}/afile.txt"],
                              "afile.txt: the output file exists; choose another or pass --force"),
    "explain output inside a file": (["explain", "--plan", BALANCED, "--rep", "R1", "--out", "{tmp}/afile.txt/s.html"],
                                     "{tmp}/afile.txt is a file, not a folder"),
    "explain plan missing": (["explain", "--plan", "{tmp}/nope.yaml", "--rep", "R1"], "nope.yaml: cannot read the plan file"),
    "explain rep missing": (["explain", "--plan", BALANCED], "Missing option '--rep'"),
    "synth zero reps": (["synth", "--reps", "0", "--out", "{tmp}/out"], "--reps: must be a whole number above 0 (got 0)"),
    "synth zero months": (["synth", "--months", "0", "--out", "{tmp}/out"], "--months: must be a whole number above 0 (got 0)"),
    "synth unknown format": (["synth", "--format", "txt", "--out", "{tmp}/out"], "--format: must be one of csv, parquet, xlsx (got 'txt')"),
    "synth output inside a file": (["synth", "--out", "{tmp}/afile.txt/d"], "{tmp}/afile.txt is a file, not a folder"),
    "synth output not empty": (["synth", "--out", "{tmp}/full"], "full: the output folder is not empty"),
    "synth bad start": (["synth", "--start", "2027-13", "--out", "{tmp}/out"], "start: a month is written YYYY-MM, e.g. 2027-01 (got '2027-13')"),
    "gaming plan missing": (["gaming", "--plan", "{tmp}/nope.yaml", "--data", "{tmp}/data"], "nope.yaml: cannot read the plan file"),
    "sensitivity unknown dimension": (["sensitivity", "--plan", CURRENT, "--dimension", "weather"],
                                      "--dimension: must be one of attainment, mix, new_logos (got 'weather')"),
    "validate invalid plan": (["validate", CURRENT, "{tmp}/badplan.yaml"], "badplan.yaml"),
    "scheduler unreachable": ([*RUN, "--trials", "20", "--scheduler", "tcp://127.0.0.1:1", "--out", "{tmp}/out"],
                              "scheduler: cannot reach a Dask scheduler at 'tcp://127.0.0.1:1' (Timed out trying to "
                              "connect to tcp://127.0.0.1:1 after 10 s)"),
    "scheduler not an address": (["calibrate", "--plan", BALANCED, "--budget", "1000000", "--scheduler", "foo",
                                  "--out", "{tmp}/b.yaml"],
                                 "cannot reach a Dask scheduler at 'foo' (missing port number in address 'foo')"),
    "scheduler of another scheme": (["gaming", "--plan", CURRENT, "--scheduler", "http://host:8786"],
                                    "cannot reach a Dask scheduler at 'http://host:8786' (unknown address scheme 'http'"),
    "scheduler of no local workers": (["sensitivity", "--plan", CURRENT, "--scheduler", "local:0"],
                                      "scheduler: local:N starts N worker processes on this machine: N is a whole "
                                      "number from 1 to 64 (got 'local:0')"),
    "schema output is a folder": (["schema", "--out", "{tmp}/full"],
                                  "full: the output must be a file, and a folder has that name"),
}

BAD_PLAN = """\
plan: Broken
id: broken
start: 2027-01
roles: {AE: {target_incentive: 1000}}
components:
  - {id: revenue, weight: 0.9, metric: attainment, measure: quarter, curve: {points: [[0, 0], [1, 1]]}}
"""


@pytest.fixture
def folder(tmp_path, data_dir):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    (tmp_path / "afile.txt").write_text("mine")
    (tmp_path / "bad.yaml").write_text("plan: x\nid: y\ncomponents: [")
    (tmp_path / "badplan.yaml").write_text(BAD_PLAN)
    shutil.copytree(data_dir, tmp_path / "baddata")
    deals = (tmp_path / "baddata" / "deals.csv").read_text()
    (tmp_path / "baddata" / "deals.csv").write_text(deals.replace("120000.0", "lots", 1))
    return tmp_path


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


def run_in_process(args: list[str], capsys) -> tuple[int, str, str]:
    """``comp-sim ARGS`` through its entry point: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.mark.parametrize("args, message", list(BAD.values()), ids=list(BAD))
def test_bad_invocation_exits_1_names_the_problem_and_writes_nothing(folder, args, message, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    before = _snapshot(folder)
    code, stdout, stderr = run_in_process([a.replace("{tmp}", str(folder)) for a in args], capsys)
    assert code == 1, stderr
    assert message.replace("{tmp}", str(folder)) in " ".join(stderr.split()), stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert _snapshot(folder) == before


def test_the_installed_command_exits_1_on_bad_data_without_a_traceback(folder):
    """The one subprocess: what a user's shell sees from the installed ``comp-sim``."""
    before = _snapshot(folder)
    args, message = BAD["bad data"]
    done = subprocess.run([str(CLI), *(a.replace("{tmp}", str(folder)) for a in args)],
                          capture_output=True, text=True, cwd=folder)
    assert done.returncode == 1, done.stderr
    assert message.replace("{tmp}", str(folder)) in " ".join(done.stderr.split()), done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert _snapshot(folder) == before


def test_an_internal_error_exits_2_with_a_hint_and_debug_shows_the_traceback(monkeypatch, capsys):
    def broken():
        raise RuntimeError("the schema generator broke")

    monkeypatch.setattr(cli.api, "schema_text", broken)
    monkeypatch.setitem(cli.STATE, "debug", False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["schema"])
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    assert "internal error: RuntimeError: the schema generator broke" in stderr
    assert "re-run with --debug" in stderr and "Traceback" not in stderr
    with pytest.raises(RuntimeError, match="the schema generator broke"):
        cli.main(["--debug", "schema"])
