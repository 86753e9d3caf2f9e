"""Every command of the installed ``comp-sim`` run as a subprocess, on the bundled sample and on
small data, with what it writes read back and reconciled with the Python API to the cent."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import openpyxl
import pandas as pd
import pytest
from cli_data import CLI, FORMULA_NAME, HAND_PLANS, PLANS, ROOT
from rich.console import Console

from comp_sim import api, cli
from comp_sim.insight.lint import render_warnings
from comp_sim.report.export import WORKBOOK

CURRENT = str(PLANS / "current-2026.yaml")
BALANCED = str(PLANS / "balanced-2027.yaml")
COMMANDS = ["validate", "schema", "run", "explain", "synth", "lint", "gaming", "sensitivity", "quotas", "app"]


def comp_sim(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    """Run the installed command; fail with its stderr when it does not exit 0."""
    done = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def cents(values: pd.Series) -> list[float]:
    return [round(float(v), 2) for v in values]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:  # in-process: the commands run as subprocesses below
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Example" in help_text and f"comp-sim {command}" in help_text


def test_validate_and_schema_on_the_bundled_plans(tmp_path):
    done = comp_sim("validate", *sorted(PLANS.glob("*.yaml")))
    assert done.stdout.count("OK ") == len(list(PLANS.glob("*.yaml")))
    comp_sim("schema", "--out", tmp_path / "plan.schema.json")
    assert json.loads((tmp_path / "plan.schema.json").read_text())["title"]


def test_run_on_the_bundled_sample_writes_csv_that_reconciles_with_the_api(tmp_path):
    done = comp_sim("run", "--plan", CURRENT, "--plan", BALANCED, "--out", tmp_path / "out")
    simulation = api.simulate([CURRENT, BALANCED])
    comparison = api.compare(simulation)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv", "coverage.csv", "payouts.csv", "statements.csv", "summary.json", "winners_losers.csv"]
    statements = pd.read_csv(out / "statements.csv")
    assert cents(statements["payout"]) == cents(simulation.statements["payout"])
    payouts = pd.read_csv(out / "payouts.csv")
    for plan_id, total in simulation.payouts.groupby("plan")["amount"].sum().items():
        assert payouts.loc[payouts["plan"] == plan_id, "amount"].sum() == pytest.approx(total, abs=0.005)
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(simulation.summary_json())
    table = " ".join(done.stdout.split())
    for row in comparison.plans.itertuples():
        assert f"{row.total_payout:,.2f} USD" in table  # the cost of each plan, in its currency
    assert "cost of sales" in table and "winners / losers" in table
    winners_losers = pd.read_csv(out / "winners_losers.csv")
    assert len(winners_losers) == len(comparison.reps)


def test_run_takes_the_files_a_shell_pattern_after_plan_expands_to(tmp_path):
    """`--plan plans/*.yaml` reaches the command as --plan FIRST SECOND ...: every file is compared,
    programs told apart by what they hold, and the baseline is the first."""
    program = ROOT / "programs" / "proposed-2027.yaml"
    comp_sim("run", "--plan", CURRENT, BALANCED, program, "--out", tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary == json.loads(api.simulate([CURRENT, BALANCED, program]).summary_json())
    assert list(pd.read_csv(tmp_path / "out" / "comparison.csv")["plan"]) == [
        "current-2026", "balanced-2027", "proposed-2027"]


def test_run_xlsx_on_a_data_folder_is_one_formatted_workbook_with_the_api_totals(tmp_path, data_dir):
    comp_sim("run", "--plan", CURRENT, "--plan", BALANCED, "--data", data_dir, "--format", "xlsx",
             "--baseline", "balanced-2027", "--out", tmp_path / "out")
    simulation = api.simulate([CURRENT, BALANCED], data_dir)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["comp_sim_results.xlsx", "summary.json"]
    book = openpyxl.load_workbook(tmp_path / "out" / WORKBOOK)
    assert book.sheetnames == ["Summary", "Comparison", "Winners and losers", "Statements current-2026",
                               "Statements balanced-2027", "Payouts", "About"]
    header = [cell.value for cell in book["Summary"][1]]
    totals = [row[header.index("total_payout")] for row in book["Summary"].iter_rows(min_row=2)]
    assert [round(c.value, 2) for c in totals] == cents(simulation.summary["total_payout"])
    assert {c.number_format for c in totals} == {'#,##0.00 "USD"'}
    sheet = book["Statements current-2026"]
    header = [cell.value for cell in sheet[1]]
    names = [row[header.index("name")].value for row in sheet.iter_rows(min_row=2)]
    assert "'" + FORMULA_NAME in names  # shown as text, never run as a formula
    comparison = book["Comparison"]
    header = [cell.value for cell in comparison[1]]
    assert [row[header.index("losers")].value for row in comparison.iter_rows(min_row=2)] == [0, 0]


def test_run_with_synthetic_trials_writes_parquet_that_matches_the_api(tmp_path):
    args = dict(synthetic=12, trials=6, seed=3)
    done = comp_sim("run", "--plan", CURRENT, "--plan", BALANCED, "--synthetic", 12, "--trials", 6,
                    "--seed", 3, "--format", "parquet", "--out", tmp_path / "out")
    simulation = api.simulate([CURRENT, BALANCED], **args)
    statements = pd.read_parquet(tmp_path / "out" / "statements.parquet")
    assert cents(statements["payout"]) == cents(simulation.statements["payout"])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    for plan_id, figures in summary["plans"].items():
        assert figures["trials"] == 6
        assert figures["cost_distribution"] == pytest.approx(
            simulation.summary_dict()["plans"][plan_id]["cost_distribution"], abs=0.005)
    assert "6 trials" in done.stdout


def test_run_escapes_a_formula_rep_name_in_csv(tmp_path, data_dir):
    comp_sim("run", "--plan", CURRENT, "--data", data_dir, "--out", tmp_path / "out")
    text = (tmp_path / "out" / "statements.csv").read_text()
    assert "'=HYPERLINK" in text
    assert not any(cell.startswith("=") for line in text.splitlines() for cell in line.split(","))


def test_explain_prints_text_and_json_and_writes_a_printable_html_statement(tmp_path):
    rep_id = str(api.load_data().reps.query("role == 'AE'")["rep_id"].iloc[0])
    statement = api.explain(BALANCED, None, rep_id)
    text = comp_sim("explain", "--plan", BALANCED, "--rep", rep_id).stdout
    assert text == statement.text()
    document = json.loads(comp_sim("explain", "--plan", BALANCED, "--rep", rep_id, "--format", "json").stdout)
    assert document["total"] == pytest.approx(statement.total, abs=0.005)
    comp_sim("explain", "--plan", BALANCED, "--rep", rep_id, "--format", "html", "--out", tmp_path / "s.html")
    html = (tmp_path / "s.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and f"{statement.total:,.2f}" in html


def test_synth_writes_data_that_run_reads_back(tmp_path):
    comp_sim("synth", "--reps", 10, "--months", 12, "--seed", 1, "--start", "2027-01", "--out", tmp_path / "d")
    dataset = api.load_data(tmp_path / "d")
    assert len(dataset.reps) == 10
    comp_sim("run", "--plan", BALANCED, "--data", tmp_path / "d", "--out", tmp_path / "out")
    statements = pd.read_csv(tmp_path / "out" / "statements.csv")
    assert cents(statements["payout"]) == cents(api.simulate([BALANCED], dataset).statements["payout"])


def test_lint_warns_and_exits_0_on_valid_plans():
    done = comp_sim("lint", CURRENT, BALANCED)
    assert "current-2026" in done.stdout or "current-2026.yaml" in done.stdout


def test_lint_with_data_takes_its_figures_from_a_run_over_that_data(data_dir):
    on_data = comp_sim("lint", BALANCED, "--data", data_dir).stdout
    expected = render_warnings(api.lint(BALANCED, data=api.load_data(data_dir)))
    assert " ".join(on_data.split()) == " ".join(expected.split())
    assert on_data != comp_sim("lint", BALANCED).stdout  # the bundled sample's population differs


def test_what_the_data_says_as_it_loads_is_a_note_on_stderr(tmp_path, data_dir):
    deals = pd.read_csv(data_dir / "deals.csv").assign(Stage=["Won"] * 7 + ["Lost"])
    deals.to_csv(data_dir / "deals.csv", index=False)
    (tmp_path / "m.yaml").write_text("deals:\n  filter: {Stage: won}\n")
    done = comp_sim("gaming", "--plan", CURRENT, "--data", data_dir, "--mapping", tmp_path / "m.yaml")
    notes = " ".join(done.stderr.split())
    assert (f"note: {data_dir}/deals.csv: the filter deals.filter.Stage value 'won' matches no row of column "
            "'Stage'; closest values there: 'Won' (case and spaces count in a match)") in notes
    assert f"note: {data_dir}/deals.csv: the mapping's filter (Stage = 'won') kept 0 of 8 rows" in notes
    run = comp_sim("run", "--plan", CURRENT, "--data", data_dir, "--mapping", tmp_path / "m.yaml", "--out", tmp_path / "o")
    assert " ".join(run.stderr.split()).count("kept 0 of 8 rows") == 1  # said once, with the run's notes


def test_quotas_writes_a_file_and_note_the_data_then_reads(tmp_path, data_dir):
    (data_dir / "quotas.csv").unlink()
    done = comp_sim("quotas", "--data", data_dir, "--method", "uniform", "--amount", "AE=300000",
                    "--amount", "Hunter=240000", "--metric", "bookings", "--metric", "new_logos",
                    "--amount", "new_logos:AE=4", "--amount", "new_logos:Hunter=6", "--out", data_dir / "quotas.csv")
    text = " ".join(done.stdout.split())
    assert "Quotas for the plan year 2027-01..2027-12 set from an amount per role" in text
    # (3 reps x 12 months + R3 hired in April x 9) x 2 metrics = 90 rows
    assert f"wrote {data_dir}/quotas.csv (90 rows) and {data_dir}/quotas.note.md" in text
    assert "Quotas from history" in (data_dir / "quotas.note.md").read_text()
    # R3 is hired on 1 April 2027: 9 of 12 months of AE's 300,000
    assert api.load_data(data_dir).quotas.groupby(["rep_id", "metric"])["target"].sum().to_dict() == pytest.approx({
        ("H1", "bookings"): 240_000.0, ("H1", "new_logos"): 6.0, ("R1", "bookings"): 300_000.0,
        ("R1", "new_logos"): 4.0, ("R2", "bookings"): 300_000.0, ("R2", "new_logos"): 4.0,
        ("R3", "bookings"): 225_000.0, ("R3", "new_logos"): 3.0})


def test_gaming_and_sensitivity_print_tables(data_dir):
    gaming = " ".join(comp_sim("gaming", "--plan", CURRENT, "--data", data_dir).stdout.split())
    for strategy in ("pull_forward", "push_out", "sandbag_forecast", "discount_to_close", "split_deal"):
        assert f"{strategy}:" in gaming  # each strategy, explained under the table
    done = comp_sim("sensitivity", "--plan", HAND_PLANS / "current-2026.yaml", "--plan",
                    HAND_PLANS / "balanced-2027.yaml", "--data", data_dir)
    text = " ".join(done.stdout.split())
    assert "Sensitivity to attainment" in text and "What 1% more attainment costs" in text
    # at +0% the plans cost what a plain run costs: 237,000 and 85,960 (tests/cli/test_reports.py)
    assert "current-2026 │ +0% │ 237,000" in text and "balanced-2027 │ +0% │ 85,960" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_serves_streamlit_on_the_given_port():
    port = _free_port()
    # its own process group, so that stopping it stops the streamlit process it starts too
    process = subprocess.Popen([str(CLI), "app", "--port", str(port), "--headless"], start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = None
        while health is None and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as response:
                    health = response.read().decode()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert health == "ok", process.stdout.read() if process.stdout else ""
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
