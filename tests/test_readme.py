"""The README shows what the tests run: its CLI block is tests/cli/readme_commands.txt."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_shows_every_cli_command_the_tests_run():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in (ROOT / "tests/cli/readme_commands.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    missing = [command for command in commands if command not in readme]
    assert commands and not missing, missing


def test_the_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make app" in readme and "make test" in readme


def test_the_readme_python_block_runs(monkeypatch):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block, "README.md (Python API block)", "exec"), namespace)
    assert namespace["sim"].units[0].id == "current" and namespace["mc"].trials == 2000


@pytest.mark.slow
def test_the_readme_cluster_script_runs_as_a_script(tmp_path):
    """The "Beyond one machine" Python block, saved as a script and run as a user runs it: its
    local:2 workers import the script again, which its ``__main__`` guard allows."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Beyond one machine", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "cluster_run.py"
    script.write_text(block)
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(script)], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    shown = ast.literal_eval(done.stdout.strip())
    assert set(shown) == {"p5", "p50", "p90", "p95", "p99"} and shown["p5"] <= shown["p50"] <= shown["p99"]
