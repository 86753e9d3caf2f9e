"""The README shows what the tests run: its CLI block is tests/cli/readme_commands.txt."""

from __future__ import annotations

from pathlib import Path

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
