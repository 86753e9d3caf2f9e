"""User text is shown literally and safely: control characters (ESC, NUL, VT, ...) are written out
in the terminal, XLSX and HTML while the loaded data keeps them; rich markup and emoji codes in
names, values and line numbers are never interpreted (``deals.csv:100:`` is not 💯)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from corpus import FILES, ROOT, SAMPLE, emoji_lines

from comp_sim import api
from comp_sim.output import CONTROL, printable

CLI = ROOT / ".venv" / "bin" / "comp-sim"
CONTROLS = "".join(map(chr, CONTROL))
RED = "Ann \x1b[31mRed\x1b[0m"  # R002's name in reps-control-chars.csv


@pytest.fixture
def hostile_data(tmp_path: Path) -> Path:
    """The sample with rep names holding ESC sequences, BEL, VT, NUL, DEL and a C1 control."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    shutil.copyfile(FILES / "data" / "reps-control-chars.csv", data / "reps.csv")
    return data


def comp_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, cwd=cwd)


def test_printable_writes_out_control_characters_and_keeps_tabs_line_breaks_and_text():
    assert printable(RED) == "Ann \\x1b[31mRed\\x1b[0m"
    assert printable("Di\x00 \x07\x0b\x7f\x9b") == "Di\\x00 \\x07\\x0b\\x7f\\x9b"
    assert printable("tab\there\nnext line, Zoë, 東京") == "tab\there\nnext line, Zoë, 東京"
    assert not set(printable(CONTROLS)) & set(CONTROLS)


def test_the_data_keeps_its_control_characters(hostile_data):
    names = api.load_data(hostile_data).reps.set_index("rep_id")["name"]
    assert names["R002"] == RED and names["R007"] == "Di\x00Nul" and names["R006"] == "Cy\x0bVertical"


def test_the_xlsx_export_writes_them_out_and_the_csv_export_keeps_them(hostile_data, tmp_path):
    simulation = api.simulate([ROOT / "plans" / "current-2026.yaml"], hostile_data)
    api_names = simulation.statements.set_index("rep_id")["name"]
    for fmt in ("xlsx", "csv"):
        done = comp_sim("run", "--plan", str(ROOT / "plans" / "current-2026.yaml"), "--data", str(hostile_data),
                        "--format", fmt, "--out", str(tmp_path / fmt), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(tmp_path / "xlsx" / "comp_sim_results.xlsx")["Statements current-2026"]
    header = [cell.value for cell in sheet[1]]
    shown = {row[header.index("rep_id")]: row[header.index("name")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert shown["R002"] == "Ann \\x1b[31mRed\\x1b[0m" and shown["R007"] == "Di\\x00Nul"
    assert all(printable(api_names[rep]).lstrip("'") == value.lstrip("'") for rep, value in shown.items())
    written = pd.read_csv(tmp_path / "csv" / "statements.csv", keep_default_na=False).set_index("rep_id")["name"]
    assert written["R002"] == RED and written["R007"] == "Di\x00Nul"


def test_the_terminal_and_the_html_statement_never_get_a_control_character(hostile_data, tmp_path):
    plan = str(FILES / "plan" / "control-chars.yaml")
    text = comp_sim("explain", "--plan", plan, "--data", str(hostile_data), "--rep", "R002", cwd=tmp_path)
    page = comp_sim("explain", "--plan", plan, "--data", str(hostile_data), "--rep", "R002", "--format", "html",
                    cwd=tmp_path)
    run = comp_sim("run", "--plan", plan, "--data", str(hostile_data), "--out", str(tmp_path / "out"), cwd=tmp_path)
    for done in (text, page, run):
        assert done.returncode == 0, done.stderr
        assert not set(done.stdout + done.stderr) & set(CONTROLS)
    assert "Rep R002 Ann \\x1b[31mRed\\x1b[0m (AE)" in text.stdout
    assert "Hostile \\x1b[31mred\\x1b[0m \\x07\\x0b\\x00 name" in text.stdout
    assert "Ann \\x1b[31mRed\\x1b[0m" in page.stdout


def test_an_error_quoting_user_text_writes_its_control_characters_out(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,split\n"
                                    "D\x1b[2J,R001,2026-03-01,100,0.7\nD\x1b[2J,R002,2026-03-01,100,0.7\n")
    done = comp_sim("run", "--plan", str(ROOT / "plans" / "current-2026.yaml"), "--data", str(data),
                    "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    assert f"{data}/deals.csv:2: split: the splits of deal 'D\\x1b[2J' sum to 1.4" in done.stderr
    assert "\x1b" not in done.stderr


def test_line_numbers_and_names_are_printed_literally_never_as_markup_or_emoji(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    emoji_lines(data / "deals.csv")
    done = comp_sim("run", "--plan", str(ROOT / "plans" / "current-2026.yaml"), "--data", str(data),
                    "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    assert f"{data}/deals.csv:100: amount: must be a number (got 'lots')" in done.stderr
    assert f"{data}/deals.csv:1234: amount: must be a number (got 'lots')" in done.stderr
    assert "💯" not in done.stderr
    plan = FILES / "plan" / "markup.yaml"
    shown = comp_sim("explain", "--plan", str(plan), "--rep", "R002", cwd=tmp_path)
    assert shown.stdout.startswith("[bold red]not bold[/] :100: :thumbs_up: [link=http://evil.example]x[/link] "
                                   "(hostile)"), shown.stdout
    markup = tmp_path / "markup-data"
    shutil.copytree(SAMPLE, markup)
    shutil.copyfile(FILES / "data" / "reps-markup.csv", markup / "reps.csv")
    statement = comp_sim("explain", "--plan", str(plan), "--data", str(markup), "--rep", "R004", cwd=tmp_path)
    assert "Rep R004 :100: :thumbs_up: (AE)" in statement.stdout
