"""Fuzzing of the readers, run by test_fuzz.py in a child process under resource limits
(``python fuzz.py``): random bytes, and random mutations of the bundled plans, the bundled sample
data (as CSV, XLSX and Parquet) and the Salesforce example's mapping, fed to ``comp-sim
validate`` and to ``load_data``. Each must succeed, or fail with an input error whose every
issue names a file it was given: never another exception, never beyond the memory and CPU
limits (``bounded.limit``).
"""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bounded import limit, run  # noqa: E402
from corpus import ROOT, SAMPLE  # noqa: E402

from comp_sim.data.loader import load_data  # noqa: E402
from comp_sim.errors import CompSimError  # noqa: E402

PLANS = sorted((ROOT / "plans").glob("*.yaml"))
SALESFORCE = ROOT / "examples" / "salesforce"
TABLES = sorted(SAMPLE.glob("*.csv"))
# Bytes that mean something to YAML, CSV, numbers or terminals, for mutations to insert.
TOKENS = [b".nan", b".inf", b"-.inf", b"1e308", b"-1e400", b"9" * 30, b"&a ", b"*a", b"<<: *a", b"!!python/object:os.system ",
          b"!!binary ", b"[" * 30, b"[" * 500 + b"]" * 500, b"- " * 30, b"\x00", b"\x1b[31m", b"\xff\xfe", b"\xef\xbb\xbf", b"\"",
          b"'", b",", b";", b"\n", b"\r", b"\t", b"---\n", b":", b"? ", b"|\n", b"%YAML 1.1\n", b"2026-13-45",
          b"2026-Q9", b"true", b"null", b"~", b"[bold]", b":100:", b"=HYPERLINK(1)", b"0x" + b"f" * 40, b"PK\x03\x04"]
FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few random edits: flipped, inserted, deleted or repeated bytes, a
    meaningful token inserted anywhere or in place of a YAML value or a CSV cell, or a cut."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "token", "value", "cut"]))
        if edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif edit == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif edit == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 256))] * draw(st.integers(2, 50))
        elif edit == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif edit == "value":
            separator = draw(st.sampled_from([b": ", b","]))
            start = data.find(separator, at) + len(separator)
            if start >= len(separator):
                ends = [end for end in (data.find(b",", start), data.find(b"\n", start)) if end >= 0]
                data[start:min(ends, default=len(data))] = draw(st.sampled_from(TOKENS))
        elif edit == "cut":
            del data[at:]
    return bytes(data)


def contents(paths: list[Path]) -> st.SearchStrategy[bytes]:
    """Random bytes, or a mutation of one of the files."""
    return st.one_of(st.binary(max_size=4096), st.sampled_from(paths).flatmap(lambda p: mutated(p.read_bytes())))


def assert_names_a_file(error: CompSimError, given: list[Path]) -> None:
    names = [str(path) for path in given]
    for issue in error.issues:
        assert issue.source and any(issue.source.startswith(name) for name in names), (issue, names)


@FUZZ
@given(text=contents(PLANS))
def fuzz_validate(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.yaml"
        path.write_bytes(text)
        done = run(["validate", str(path)], folder)
    assert done["code"] in (0, 1), done
    assert "internal error" not in done["stderr"] and "Traceback" not in done["stderr"], done
    if done["code"] == 1:
        assert str(path) in done["stderr"], done


@FUZZ
@given(table=st.sampled_from(TABLES), data=st.data())
def fuzz_load_csv(table: Path, data: st.DataObject) -> None:
    """One table of the sample replaced by random bytes or a mutation of itself."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "data"
        shutil.copytree(SAMPLE, copy)
        (copy / table.name).write_bytes(data.draw(contents([table])))
        try:
            load_data(copy)
        except CompSimError as error:
            assert_names_a_file(error, [copy])


@functools.cache
def binary_seeds() -> dict[str, bytes]:
    """The sample's reps as an XLSX workbook and as Parquet, made once (a workbook holds the
    time it was written, and a seed must not change between examples)."""
    with tempfile.TemporaryDirectory() as folder:
        reps = pd.read_csv(SAMPLE / "reps.csv")
        reps.to_excel(Path(folder) / "reps.xlsx", index=False, sheet_name="reps")
        reps.to_parquet(Path(folder) / "reps.parquet", index=False)
        return {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir())}


@FUZZ
@given(data=st.data())
def fuzz_load_workbook_and_parquet(data: st.DataObject) -> None:
    """The sample's reps given as a mutated workbook or Parquet file."""
    name = data.draw(st.sampled_from(sorted(binary_seeds())))
    content = data.draw(mutated(binary_seeds()[name]))
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "data"
        shutil.copytree(SAMPLE, copy)
        (copy / "reps.csv").unlink()
        (copy / name).write_bytes(content)
        try:
            load_data(copy)
        except CompSimError as error:
            assert_names_a_file(error, [copy])


@FUZZ
@given(text=contents([SALESFORCE / "mapping.yaml"]))
def fuzz_load_with_mapping(text: bytes) -> None:
    """The Salesforce example through a random or mutated column mapping."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "salesforce"
        shutil.copytree(SALESFORCE, copy)
        mapping = copy / "mapping.yaml"
        mapping.write_bytes(text)
        try:
            load_data(copy, mapping=mapping)
        except CompSimError as error:
            assert_names_a_file(error, [copy])


def main() -> None:
    limit(2**30, 240)
    for fuzz in (fuzz_validate, fuzz_load_csv, fuzz_load_workbook_and_parquet, fuzz_load_with_mapping):
        fuzz()
        print(f"{fuzz.__name__}: passed", flush=True)


if __name__ == "__main__":
    main()
