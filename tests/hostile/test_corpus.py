"""Every file of the hostile corpus through ``comp-sim``: each is answered with exit 0 or exit 1
and a message naming the file (never a traceback, an internal error, a kill or a hang), nothing
is written when it fails, and no input is lost or changed.

All command lines run in one child process limited to 1 GiB of memory and five minutes of CPU
(``bounded.py``); the child's timeout only catches a hang (a FIFO waited on uses no CPU), speed
is not tested.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import CASES, ROOT, SAMPLE, Case

HERE = Path(__file__).resolve().parent
PLAN = ROOT / "plans" / "current-2026.yaml"
HANG_SECONDS = 900


def run_bounded(commands: list[dict], folder: Path) -> dict[str, dict]:
    """Run ``{"id", "args", "cwd"}`` command lines in one resource-limited child process."""
    (folder / "commands.json").write_text(json.dumps(commands))
    results = folder / "results.json"
    done = subprocess.run([sys.executable, str(HERE / "bounded.py"), str(folder / "commands.json"), str(results)],
                          capture_output=True, text=True, timeout=HANG_SECONDS)
    found = json.loads(results.read_text()) if results.exists() else {}
    assert done.returncode == 0, (f"the child died after {len(found)} of {len(commands)} commands "
                                  f"(exit {done.returncode}): {done.stderr[-2000:]}")
    return found


def place(case: Case, folder: Path) -> tuple[Path, list[str]]:
    """Put the case's file in ``folder``; the file comp-sim is given and the arguments naming it."""
    if case.kind == "data":
        data = folder / "data"
        shutil.copytree(SAMPLE, data)
        for old in data.glob(Path(case.table).stem + ".*"):
            old.unlink()
        target = data / case.table
        args = ["--data", str(data)]
    else:
        target = folder / case.name
        args = {"plan": ["--plan", str(target)], "workbook": ["--data", str(target)],
                "mapping": ["--mapping", str(target)]}[case.kind]
    if case.make:
        case.make(target)
    else:
        shutil.copyfile(case.source(), target)
    return target, args


def snapshot(folder: Path) -> dict[str, str]:
    """What each entry is (its bytes' digest for a regular file), never opening anything else."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            with path.open("rb") as file:
                entries[str(path)] = hashlib.file_digest(file, "sha256").hexdigest()
        else:
            entries[str(path)] = stat.filemode(mode)
    return entries


def assert_answered(done: dict, case: Case, target: Path, succeeds: bool) -> None:
    output = done["stdout"] + done["stderr"]
    assert "Traceback" not in output and "internal error" not in output, output
    assert "not enough memory" not in output, output  # within the child's 1 GiB, whatever the input
    if succeeds:
        assert done["code"] == 0, output
    else:
        assert done["code"] == 1, output
        stderr = " ".join(done["stderr"].split())
        assert str(target) in stderr, stderr
        assert case.message in stderr, stderr


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, tuple[Path, Path, dict, dict[str, dict]]]:
    """Each case placed in its own folder, the command lines run, and what they answered:
    case id -> (its folder, its file, the inputs' snapshot before, {command: result})."""
    commands, placed = [], {}
    for case in CASES:
        folder = tmp_path_factory.mktemp("case")
        inputs = folder / "inputs"
        inputs.mkdir()
        target, args = place(case, inputs)
        placed[_id(case)] = (folder, target, snapshot(inputs))
        plan = [] if case.kind == "plan" else ["--plan", str(PLAN)]
        commands.append({"id": f"{_id(case)} run", "cwd": str(folder),
                         "args": ["run", *plan, *args, "--format", "xlsx", "--out", str(folder / "results")]})
        if case.kind == "plan":
            commands.append({"id": f"{_id(case)} validate", "cwd": str(folder), "args": ["validate", str(target)]})
    results = run_bounded(commands, tmp_path_factory.mktemp("bounded"))
    return {key: (*value, {c["id"].rpartition(" ")[2]: results[c["id"]] for c in commands
                          if c["id"].rpartition(" ")[0] == key}) for key, value in placed.items()}


def _id(case: Case) -> str:
    return f"{case.kind}:{case.name}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_a_hostile_file_is_answered_in_bounded_memory_and_loses_nothing(answers, case: Case):
    folder, target, before, results = answers[_id(case)]
    assert_answered(results["run"], case, target, case.ok)
    out = folder / "results"
    if case.ok:
        assert (out / "comp_sim_results.xlsx").is_file() and (out / "summary.json").is_file()
    else:
        assert not out.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(["inputs", *(["results"] if case.ok else [])])
    assert snapshot(folder / "inputs") == before
    if case.kind == "plan":
        assert_answered(results["validate"], case, target, case.ok or case.valid)
