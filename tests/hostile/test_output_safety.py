"""Where results go: --out never replaces, holds or sits inside an input; a symbolic link is
refused rather than followed; a killed run's temporaries are tidied by the next run, and a kill
between the two renames of --force loses nothing."""

from __future__ import annotations

import json

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import ROOT, SAMPLE

from comp_sim import api, cli

CLI = ROOT / ".venv" / "bin" / "comp-sim"
PLAN = ROOT / "plans" / "current-2026.yaml"
MAPPING = ROOT / "examples" / "salesforce" / "mapping.yaml"


def comp_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd)


def listing(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() and not p.is_symlink() else None
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder holding inputs/data/ (the sample), plans/ (a copy of a bundled plan), salesforce/
    (the example export), maps/ (its mapping) and a link to the data."""
    shutil.copytree(SAMPLE, tmp_path / "inputs" / "data")
    (tmp_path / "plans").mkdir()
    shutil.copyfile(PLAN, tmp_path / "plans" / "plan.yaml")
    shutil.copytree(MAPPING.parent, tmp_path / "salesforce")
    (tmp_path / "maps").mkdir()
    shutil.copyfile(MAPPING, tmp_path / "maps" / "mapping.yaml")
    (tmp_path / "data-link").symlink_to(tmp_path / "inputs" / "data")
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "team.yaml").write_text("program: Team\nid: team\nplans: [../plans/plan.yaml]\n")
    return tmp_path


REFUSED = {  # arguments after `run`, and the message
    "out is the data": (["--data", "inputs/data", "--out", "inputs/data", "--force"],
                        "inputs/data: --out: the output is the input inputs/data"),
    "out holds the data": (["--data", "inputs/data", "--out", "inputs", "--force"],
                           "inputs: --out: the output holds the input inputs/data"),
    "out inside the data": (["--data", "inputs/data", "--out", "inputs/data/results"],
                            "inputs/data/results: --out: the output is inside the input inputs/data"),
    "out is the data through a link": (["--data", "data-link", "--out", "inputs/data", "--force"],
                                       "inputs/data: --out: the output is the input data-link"),
    "out holds the plan": (["--plan", "plans/plan.yaml", "--data", "inputs/data", "--out", "plans", "--force"],
                           "plans: --out: the output holds the input plans/plan.yaml"),
    "out holds a program's plan": (["--program", "programs/team.yaml", "--data", "inputs/data", "--out", "plans",
                                    "--force"], "plans: --out: the output holds the input plans/plan.yaml"),
    "out holds the mapping": (["--data", "salesforce", "--mapping", "maps/mapping.yaml", "--out", "maps", "--force"],
                              "maps: --out: the output holds the input maps/mapping.yaml"),
    "out is a link": (["--data", "inputs/data", "--out", "data-link", "--force"],
                      "data-link: the output is a symbolic link (to {tmp}/inputs/data); give the folder or file it points at"),
}


@pytest.mark.parametrize("args, message", list(REFUSED.values()), ids=list(REFUSED))
def test_an_output_that_would_replace_or_hold_an_input_is_refused_and_nothing_changes(work, args, message):
    before = listing(work)
    plan = [] if {"--plan", "--program"} & set(args) else ["--plan", PLAN]
    done = comp_sim("run", *plan, *args, cwd=work)
    assert done.returncode == 1, done.stdout
    assert message.replace("{tmp}", str(work)) in " ".join(done.stderr.split())
    assert listing(work) == before


def test_explain_refuses_to_write_over_its_plan_or_through_a_link(work):
    before = listing(work)
    done = comp_sim("explain", "--plan", "plans/plan.yaml", "--data", "inputs/data", "--rep", "R001", "--format",
                    "html", "--out", "plans/plan.yaml", "--force", cwd=work)
    assert done.returncode == 1
    assert "plans/plan.yaml: --out: the output is the input plans/plan.yaml" in done.stderr
    (work / "statement.html").symlink_to(work / "inputs" / "data" / "reps.csv")
    before = listing(work)
    done = comp_sim("explain", "--plan", "plans/plan.yaml", "--data", "inputs/data", "--rep", "R001", "--format",
                    "html", "--out", "statement.html", "--force", cwd=work)
    assert done.returncode == 1
    assert "statement.html: the output is a symbolic link" in done.stderr
    assert listing(work) == before
    assert (work / "inputs" / "data" / "reps.csv").read_bytes() == (SAMPLE / "reps.csv").read_bytes()


def test_schema_regenerates_its_file_but_never_writes_through_a_link(work):
    (work / "plan.schema.json").write_text("old")
    assert comp_sim("schema", "--out", "plan.schema.json", cwd=work).returncode == 0  # make schema's way
    assert json.loads((work / "plan.schema.json").read_text())["title"]
    (work / "schema-link.json").symlink_to(work / "inputs" / "data" / "reps.csv")
    before = listing(work)
    done = comp_sim("schema", "--out", "schema-link.json", cwd=work)
    assert done.returncode == 1
    assert "schema-link.json: the output is a symbolic link" in done.stderr
    assert listing(work) == before


def test_without_data_the_bundled_sample_is_the_input(work, monkeypatch, capsys):
    monkeypatch.setattr(api, "SAMPLE_DATA_DIR", work / "inputs" / "data")
    before = listing(work)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--plan", str(PLAN), "--out", str(work / "inputs"), "--force"])
    assert exit_info.value.code == 1
    assert f"the output holds the input {work}/inputs/data" in capsys.readouterr().err
    assert listing(work) == before


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_killed_runs_temporaries_are_removed_by_the_next_run(work):
    pid = dead_pid()
    (work / f".results.{pid}.0123abcd.tmp").mkdir()
    (work / f".results.{pid}.0123abcd.tmp" / "payouts.csv").write_text("half written")
    (work / f".results.{pid}.old").mkdir()  # a finished swap whose old copy was not removed yet
    (work / "results").mkdir()
    (work / "results" / "mine.txt").write_text("old results")
    live = work / f".results.{os.getpid()}.feedbeef.tmp"  # a live process's: left alone
    live.mkdir()
    done = comp_sim("run", "--plan", PLAN, "--data", "inputs/data", "--out", "results", "--force", cwd=work)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".results")) == [live.name]
    assert sorted(p.name for p in (work / "results").iterdir()) == [
        "comparison.csv", "payouts.csv", "statements.csv", "summary.json", "winners_losers.csv"]


KILLED = """\
import os, signal, sys
from pathlib import Path
from comp_sim import output

def fill(folder):
    (folder / "payouts.csv").write_text("new results")
    if sys.argv[1] == "while-writing":
        os.kill(os.getpid(), signal.SIGKILL)

renames = []
replace = os.replace
def replace_then_die(source, target):
    renames.append(target)
    if len(renames) == 2:  # the old output moved aside, the new one not yet in place
        os.kill(os.getpid(), signal.SIGKILL)
    replace(source, target)

if sys.argv[1] == "between-renames":
    output.os.replace = replace_then_die
output.write_folder_atomic(Path(sys.argv[2]), True, fill)
"""


@pytest.mark.parametrize("moment", ["while-writing", "between-renames"])
def test_a_run_killed_while_writing_or_swapping_loses_no_results(work, moment):
    results = work / "results"
    results.mkdir()
    (results / "mine.txt").write_text("old results")
    killed = subprocess.run([sys.executable, "-c", KILLED, moment, str(results)], cwd=work)
    assert killed.returncode == -9
    left = sorted(p.name.rpartition(".")[2] for p in work.iterdir() if p.name.startswith(".results."))
    assert left == (["tmp"] if moment == "while-writing" else ["old", "tmp"])
    assert (moment == "while-writing") == results.exists()
    done = comp_sim("run", "--plan", PLAN, "--data", "inputs/data", "--out", "results", cwd=work)
    assert done.returncode == 1  # the old results are back in place, and not replaced without --force
    assert "results: the output folder is not empty" in done.stderr
    assert listing(results) == {"mine.txt": b"old results"}
    assert not [p for p in work.iterdir() if p.name.startswith(".results.")]


def test_the_readme_says_an_output_link_is_refused():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "A `--out` that is a symbolic link is refused, not followed" in readme
    assert "is, holds or sits inside an input" in readme
