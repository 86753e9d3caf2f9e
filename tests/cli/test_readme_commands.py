"""The README's CLI section, pasted line by line: every line of tests/cli/readme_commands.txt
runs in order in a fresh folder laid out like a clone after ``make test`` and exits 0."""

from __future__ import annotations

import subprocess

import pytest
from pathlib import Path

from cli_data import ROOT

COMMANDS = Path(__file__).with_name("readme_commands.txt")
CLONE_ITEMS = (".venv", "plans", "programs", "data", "examples", "app.py")


def readme_commands() -> list[str]:
    lines = COMMANDS.read_text().splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.slow
def test_every_readme_command_works_in_order(tmp_path):
    for item in CLONE_ITEMS:
        if (ROOT / item).exists():
            (tmp_path / item).symlink_to(ROOT / item)
    commands = readme_commands()
    assert len(commands) >= 10
    for command in commands:
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        assert "Traceback" not in done.stderr, command
