"""A new user's first run on a CRM export with no quotas and one role (examples/hubspot), as the
README gives it: copy the export, write quotas from its history, lint and run the bundled plans
on it (every one here; those for other roles cover nobody, and the run says so).
Every figure is checked against the API on the same files; the quotas by hand."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
from cli_data import CLI, PLANS, ROOT

from comp_sim import api

EXPORT = ROOT / "examples" / "hubspot"
AE_PLANS = [PLANS / "current-2026.yaml", PLANS / "balanced-2027.yaml"]  # the bundled plans for the one role
ALL_PLANS = sorted(PLANS.glob("*.yaml"))


def comp_sim(*args, cwd):
    done = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """The README's four commands, in a fresh folder."""
    folder = tmp_path_factory.mktemp("first-run")
    export = folder / "my-export"
    shutil.copytree(EXPORT, export)
    mapping = export / "mapping.yaml"
    quotas = comp_sim("quotas", "--data", export, "--mapping", mapping, "--metric", "bookings", "--metric",
                      "new_logos", "--method", "percentile", "--out", export / "quotas.csv", cwd=folder)
    lint = comp_sim("lint", *sorted(PLANS.glob("*.yaml")), "--data", export, "--mapping", mapping, cwd=folder)
    run = comp_sim("run", *[arg for plan in ALL_PLANS for arg in ("--plan", plan)], "--data", export,
                   "--mapping", mapping, "--out", folder / "results", cwd=folder)
    return {"folder": folder, "export": export, "mapping": mapping, "quotas": quotas, "lint": lint, "run": run}


def test_quotas_are_the_level_60_percent_of_the_reps_reached(first_run):
    export = first_run["export"]
    quotas = pd.read_csv(export / "quotas.csv")
    bookings = quotas[quotas["metric"] == "bookings"].groupby("rep_id")["target"].sum()
    # 2026 bookings annualized over the months employed: Aisha (from April) 421,100 x 12 / 9 =
    # 561,466.67, Tom (to September) 855,800 x 12 / 9 = 1,141,066.67, the others as booked.
    # Seven reps with history (Kenji, hired 16 November, has none): k = ceil(0.6 x 7) = 5;
    # sorted: 1,141,066.67, 839,250, 739,350, 612,500, 561,466.67, 521,800, 495,300 -> 561,466.67
    assert bookings["Maya Chen"] == pytest.approx(561_466.67, abs=0.01)
    assert bookings["Tom Becker"] == pytest.approx(561_466.67 * 9 / 12, abs=0.01)  # prorated: to 30 September
    # Kenji: 15 of 30 days of November, and December: 561,466.67 / 12 x 1.5
    assert bookings["Kenji Sato"] == pytest.approx(561_466.67 / 12 * 1.5, abs=0.01)
    note = (export / "quotas.note.md").read_text()
    assert "that 60% of each role's reps reached (the k-th best of n, k = ceil(0.6 x n))" in note
    assert "best 5 of 7 AE reach it" in note
    assert "wrote" in first_run["quotas"].stdout and "quotas.note.md" in first_run["quotas"].stdout


def test_lint_reads_the_exports_population(first_run):
    text = " ".join(first_run["lint"].stdout.split())
    assert "hunter-2027.yaml:13:1: warning[population-skipped, low] roles: the checks that need a population " \
           "(how many reps reach a threshold or excellence point) were skipped: the data has no rep of roles Hunter." in text
    data = api.load_data(first_run["export"], mapping=first_run["mapping"])
    current = api.lint(PLANS / "current-2026.yaml", data=data)
    assert all(" ".join(str(w).split()) in text for w in current)


def test_the_run_compares_every_bundled_plan_on_the_exports_figures(first_run):
    data = api.load_data(first_run["export"], mapping=first_run["mapping"])
    simulation = api.simulate(ALL_PLANS, data)
    statements = pd.read_csv(first_run["folder"] / "results" / "statements.csv")
    assert set(statements["plan"]) == {"current-2026", "balanced-2027"}  # the plans for AEs
    for plan_id, rows in statements.groupby("plan"):
        expected = simulation.result(plan_id)
        assert rows["payout"].sum() == pytest.approx(expected.paid.sum(), abs=0.01)
    assert statements.groupby("plan")["bookings"].sum().to_dict() == pytest.approx(
        {"current-2026": 4_485_100.0, "balanced-2027": 4_485_100.0})  # the owners' 2026 bookings summed
    notes = " ".join(first_run["run"].stderr.split())
    assert "hunter-2027 covers no rep of the data (its roles: Hunter)" in notes
    assert "account-manager-2027 covers no rep of the data (its roles: AM)" in notes
    assert "balanced-2027: new logos are derived from account history" in notes
    assert "6 month(s) of deals precede its plan year 2026-01; with fewer than 12" in notes
    assert "kept 160 of 219 rows" in notes
