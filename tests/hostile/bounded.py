"""Run ``comp-sim`` command lines in this process, one after another, under resource limits set
first thing: ``python bounded.py COMMANDS.json RESULTS.json [MEMORY_BYTES CPU_SECONDS]``.

COMMANDS.json is a list of ``{"id", "args", "cwd"}``; RESULTS.json gets ``{id: {"code", "stdout",
"stderr"}}``, rewritten after each command so that a kill shows how far it got. The limits make
a runaway input fail here (a MemoryError is an internal error, exit 2; too much CPU kills the
process) instead of taking the machine down; one process for all commands keeps the corpus fast.

Memory is bounded with RLIMIT_DATA (the heap and every private writable mapping: what numpy,
pandas and Arrow allocate), 1 GiB by default where a run of the bundled sample uses 0.4 GiB.
RLIMIT_AS would count the address space each thread's malloc arena reserves without using it
(1.8 GiB for a run that uses 0.2 GiB), so it cannot tell a runaway input from a busy process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys


def limit(memory: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))


def run(args: list[str], cwd: str) -> dict:
    from comp_sim import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                cli.main(args)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(here)
    return {"code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


def main(commands_file: str, results_file: str, memory: int = 2**30, cpu_seconds: int = 300) -> None:
    limit(int(memory), int(cpu_seconds))
    with open(commands_file, encoding="utf-8") as file:
        commands = json.load(file)
    results = {}
    for command in commands:
        results[command["id"]] = run(command["args"], command["cwd"])
        with open(results_file, "w", encoding="utf-8") as file:
            json.dump(results, file)


if __name__ == "__main__":
    main(*sys.argv[1:])
