"""Files in and out: bounded UTF-8 reads of small user files (plans, mappings), JSON of numpy
values, and atomic writes, where a file or a folder appears whole or not at all (write a temporary
one beside it, then rename). Text cells that a spreadsheet would run as a formula (they start
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
apostrophe, so a rep name or a product from a CRM export can never execute.

>>> escape_formula("=HYPERLINK(...)"), escape_formula("-5% deal"), escape_formula("Acme")
("'=HYPERLINK(...)", "'-5% deal", 'Acme')
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from comp_sim.errors import CompSimError, Issue, UsageError

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(Issue(f"cannot write here: {exc.strerror or exc}", source=str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(Issue(f"cannot write here: {exc.strerror or exc}", source=str(path))) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path | str, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def read_text_bounded(path: Path, what: str, limit: int, error: type[CompSimError]) -> str:
    """The UTF-8 text of a small user file (``what``: "plan file", ...), or ``error`` saying why not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(Issue(f"cannot read the {what}: {exc.strerror or exc}", source=str(path))) from None
    if len(data) > limit:
        raise error(Issue(f"a {what} is at most {limit:,} bytes (got {len(data):,})", source=str(path)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(Issue(f"a {what} is UTF-8 text (bad byte at offset {exc.start})", source=str(path))) from None


def to_json(value: Any) -> str:
    """Indented JSON where numpy scalars are written as the Python numbers they hold."""
    return json.dumps(value, indent=2, default=_numpy_scalar) + "\n"


def _numpy_scalar(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def escape_formula(value: object) -> object:
    """Text that a spreadsheet would read as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell escaped (numbers are left as numbers), a column at a time.

    >>> escape_frame(pd.DataFrame({"name": ["=1+1", "Ann", "@SUM(A1)"], "n": [1, 2, 3]}))["name"].tolist()
    ["'=1+1", 'Ann', "'@SUM(A1)"]
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        try:
            formula = values.str.startswith(FORMULA_STARTS, na=False).astype(bool)
        except AttributeError:  # an object column without text
            continue
        if formula.any():
            out[column] = values.where(~formula, "'" + values[formula].astype(str)).astype(values.dtype)
    return out


def check_output_folder(out_dir: Path, force: bool) -> None:
    """Refuse a non-empty existing folder unless ``force``, a file in its place, and a place that
    cannot be written to, before any work is done."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(Issue("the output must be a folder, and a file has that name", source=str(out_dir)))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise UsageError(Issue("the output folder is not empty; choose another or pass --force to replace it",
                               source=str(out_dir)))
    _check_writable(out_dir)


def check_output_file(path: Path, force: bool) -> None:
    """Refuse an existing file unless ``force``, a folder in its place, and a place that cannot
    be written to."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(Issue("the output must be a file, and a folder has that name", source=str(path)))
    if path.exists() and not force:
        raise UsageError(Issue("the output file exists; choose another or pass --force to replace it",
                               source=str(path)))
    _check_writable(path)


def _check_writable(path: Path) -> None:
    """The nearest existing folder above ``path`` must be a folder we may write in."""
    existing = path.resolve().parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(Issue(f"cannot write the output here: {existing} is a file, not a folder", source=str(path)))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(Issue(f"cannot write the output here: no permission to write in {existing}",
                               source=str(path)))


def write_folder_atomic(out_dir: Path, force: bool, fill: Callable[[Path], None]) -> None:
    """Run ``fill(tmp)`` to write into a fresh temporary folder, then put it in place of ``out_dir``."""
    out_dir = Path(out_dir)
    check_output_folder(out_dir, force)
    parent = out_dir.resolve().parent
    tmp = parent / f".{out_dir.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()  # with the user's umask, unlike mkdtemp's 0700: others may read the results
    except OSError as exc:
        raise UsageError(Issue(f"cannot write the output here: {exc.strerror or exc}", source=str(out_dir))) from None
    try:
        fill(tmp)
        old = None
        if out_dir.exists():
            old = parent / f".{out_dir.name}.old-{os.getpid()}"
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(Issue(f"cannot write the output here: {exc.strerror or exc}", source=str(out_dir))) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
