"""The readers fuzzed (fuzz.py: random bytes and mutations of the bundled plans, sample data and
mapping into ``validate`` and ``load_data``), in a child process limited to 1 GiB of memory and
four minutes of CPU: every input succeeds or fails with an input error naming its file.

The timeout only catches a hang; speed is not tested.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FUZZERS = ("fuzz_validate", "fuzz_load_csv", "fuzz_load_workbook_and_parquet", "fuzz_load_with_mapping")


def test_random_and_mutated_inputs_fail_only_with_errors_naming_their_file():
    done = subprocess.run([sys.executable, str(HERE / "fuzz.py")], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr[-6000:]
    assert done.stdout.split() == [word for name in FUZZERS for word in (f"{name}:", "passed")]
