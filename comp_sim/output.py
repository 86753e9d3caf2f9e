r"""Files in and out: bounded UTF-8 reads of small user files (plans, mappings), strict JSON of
numpy values, and atomic writes, where a file or a folder appears whole or not at all (write a
temporary one beside it, then rename). Text cells that a spreadsheet would run as a formula (they
start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
apostrophe, so a rep name or a product from a CRM export can never execute; control characters
(ESC, NUL, ...) are written out visibly wherever text is shown (terminal, XLSX, HTML), while the
data keeps them.

>>> escape_formula("=HYPERLINK(...)"), escape_formula("-5% deal"), escape_formula("Acme")
("'=HYPERLINK(...)", "'-5% deal", 'Acme')
>>> print(printable("Ann\x1b[31m Lee\x00"))
Ann\x1b[31m Lee\x00
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from openpyxl.cell import _writer as openpyxl_cell_writer

from comp_sim.errors import CompSimError, Issue, UsageError

Format = Literal["csv", "parquet", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 controls but tab and line feed, DEL and C1: ESC sequences act on a terminal, and an XLSX
# cell cannot hold most of them.
CONTROL = [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
_VISIBLE = {code: f"\\x{code:02x}" for code in CONTROL}
_HAS_CONTROL = re.compile("[" + "".join(re.escape(chr(code)) for code in CONTROL) + "]")


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename (the
    temporary file carries our process id, so a later run removes it if we are killed)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _tidy(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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
    """The UTF-8 text of a small user file (``what``: "plan file", ...), or ``error`` saying why not.

    The size and kind are checked on the open file before reading, so what is read is what was
    checked (opened without blocking, so that a FIFO is refused rather than waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise error(Issue(f"cannot read the {what}: {_not_there(Path(path), exc)}", source=str(path))) from None
    problem = file_problem(Path(path), what, limit, os.fstat(fd))
    if problem:
        os.close(fd)
        raise error(Issue(problem, source=str(path)))
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            raise error(Issue(f"cannot read the {what}: {exc.strerror or exc}", source=str(path))) from None
    if len(data) > limit:  # it grew since it was checked
        raise error(Issue(f"a {what} is at most {limit:,} bytes", source=str(path)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(Issue(f"a {what} is UTF-8 text (bad byte at offset {exc.start})", source=str(path))) from None


def file_problem(path: Path, what: str, limit: int, status: os.stat_result | None = None) -> str | None:
    """Why ``path`` is not read as a ``what``, or None: only a regular file of at most ``limit``
    bytes is (not a folder, a FIFO that would block, a device such as ``/dev/zero`` that never
    ends). ``status``: the open file's, when it is open already."""
    if status is None:
        try:
            status = os.stat(path)
        except OSError as exc:
            return f"cannot read the {what}: {_not_there(path, exc)}"
    if not stat.S_ISREG(status.st_mode):
        return f"cannot read the {what}: it is {_kind(status.st_mode)}, not a regular file"
    if status.st_size > limit:
        return f"a {what} is at most {limit:,} bytes (got {status.st_size:,})"
    return None


def _kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(mode)), "a special file")


def _not_there(path: Path, exc: OSError) -> str:
    """Why a file cannot be opened; a symbolic link to nothing says so."""
    if path.is_symlink() and not path.exists():
        return f"it is a symbolic link to {os.readlink(path)}, which does not exist"
    return exc.strerror or str(exc)


def to_json(value: Any) -> str:
    """Indented, strict JSON (RFC 8259 has no NaN or Infinity): numpy scalars are written as the
    Python numbers they hold, and a number that is not finite (an undefined correlation, a cost
    of sales without bookings) as null.

    >>> print(to_json({"cost": 1.5, "correlation": float("nan")}), end="")
    {
      "cost": 1.5,
      "correlation": null
    }
    """
    return json.dumps(_strict(value), indent=2, default=_numpy_scalar, allow_nan=False) + "\n"


def _strict(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item) for item in value]
    if isinstance(value, float) or (hasattr(value, "item") and hasattr(value, "dtype") and value.ndim == 0):
        number = value.item() if hasattr(value, "item") else value
        return None if isinstance(number, float) and not math.isfinite(number) else number
    return value


def _numpy_scalar(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def printable(text: str) -> str:
    """Text with its control characters written out (``\\x1b``), tabs and line breaks kept."""
    return text.translate(_VISIBLE)


def escape_formula(value: object) -> object:
    """Text that a spreadsheet would read as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    """A copy with every text cell escaped (numbers are left as numbers), a column at a time;
    ``xlsx``: control characters written out too, which an XLSX cell cannot hold.

    >>> escape_frame(pd.DataFrame({"name": ["=1+1", "Ann", "@SUM(A1)"], "n": [1, 2, 3]}))["name"].tolist()
    ["'=1+1", 'Ann', "'@SUM(A1)"]
    >>> escape_frame(pd.DataFrame({"name": ["Bo\\x0bb"]}), xlsx=True)["name"].tolist()
    ['Bo\\\\x0bb']
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        try:
            formula = values.str.startswith(FORMULA_STARTS, na=False).astype(bool)
            control = values.str.contains(_HAS_CONTROL, na=False).astype(bool) if xlsx else None
        except AttributeError:  # an object column without text
            continue
        if control is not None and control.any():
            values = values.where(~control, values[control].astype(str).map(printable)).astype(values.dtype)
            out[column] = values
        if formula.any():
            out[column] = values.where(~formula, "'" + values[formula].astype(str)).astype(values.dtype)
    return out


_XLSX_NUMBERS = threading.Lock()


@contextmanager
def exact_xlsx_numbers() -> Iterator[None]:
    """While a workbook is written, write each float as the shortest text that reads back as
    the same float (``repr``), where openpyxl writes 16 significant digits (``%.16g``), which
    changes the last digit of some money amounts."""

    def shortest(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return float.__repr__(value)
        return original(value)

    with _XLSX_NUMBERS:
        original = openpyxl_cell_writer.safe_string
        openpyxl_cell_writer.safe_string = shortest
        try:
            yield
        finally:
            openpyxl_cell_writer.safe_string = original


def check_output_apart(out: Path, inputs: Iterable[Path | str | None]) -> None:
    """Refuse an output that is an input, holds one or sits inside one: writing it (with
    --force, replacing it) would delete or change what the run reads. Paths are compared once
    every symbolic link is followed, so a link to the data folder is the data folder."""
    target = Path(os.path.realpath(out))
    for given in inputs:
        if given is None:
            continue
        source = Path(os.path.realpath(given))
        if target == source:
            relation = "is"
        elif source.is_relative_to(target):
            relation = "holds"
        elif target.is_relative_to(source):
            relation = "is inside"
        else:
            continue
        raise UsageError(Issue(f"the output {relation} the input {given}; write it apart from the plan, data "
                               "and mapping files", source=str(out), path="--out"))


def check_output_folder(out_dir: Path, force: bool) -> None:
    """Refuse a non-empty existing folder unless ``force``, a file or a symbolic link in its
    place, and a place that cannot be written to, before any work is done. First tidy what a
    killed run left beside it (``_tidy``)."""
    out_dir = Path(out_dir)
    _refuse_link(out_dir)
    _tidy(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(Issue("the output must be a folder, and a file has that name", source=str(out_dir)))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise UsageError(Issue("the output folder is not empty; choose another or pass --force to replace it",
                               source=str(out_dir)))
    _check_writable(out_dir)


def check_output_file(path: Path, force: bool) -> None:
    """Refuse an existing file unless ``force``, a folder or a symbolic link in its place, and a
    place that cannot be written to."""
    path = Path(path)
    _refuse_link(path)
    if path.is_dir():
        raise UsageError(Issue("the output must be a file, and a folder has that name", source=str(path)))
    if path.exists() and not force:
        raise UsageError(Issue("the output file exists; choose another or pass --force to replace it",
                               source=str(path)))
    _check_writable(path)


def _refuse_link(path: Path) -> None:
    """An output is never a symbolic link: replacing it would replace the link, not what it
    points at, so the user names the real place instead."""
    if path.is_symlink():
        raise UsageError(Issue(f"the output is a symbolic link (to {os.readlink(path)}); give the folder or "
                               "file it points at, or another name", source=str(path)))


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
    """Run ``fill(tmp)`` to write into a fresh temporary folder, then put it in place of ``out_dir``.

    The temporary folder is ``.NAME.PID.HEX.tmp`` beside it; replacing an existing output
    (``force``) renames it to ``.NAME.PID.old`` first and removes it last. A process killed on
    the way leaves them named by its id, and the next write tidies them (``_tidy``): the
    temporary folder is removed, and an old output whose replacement never arrived is put back.
    """
    out_dir = Path(out_dir)
    check_output_folder(out_dir, force)
    target = Path(os.path.realpath(out_dir))
    parent = target.parent
    tmp = parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()  # with the user's umask, unlike mkdtemp's 0700: others may read the results
    except OSError as exc:
        raise UsageError(Issue(f"cannot write the output here: {exc.strerror or exc}", source=str(out_dir))) from None
    try:
        fill(tmp)
        old = None
        if target.exists():
            old = parent / f".{target.name}.{os.getpid()}.old"
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(Issue(f"cannot write the output here: {exc.strerror or exc}", source=str(out_dir))) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _tidy(out: Path) -> None:
    """Remove the temporaries that killed processes left beside ``out`` (``.NAME.PID.*.tmp``),
    and put back an old output (``.NAME.PID.old``) that a kill between the two renames of a
    replacement left without its replacement; another live process's are left alone."""
    target = Path(os.path.realpath(out))
    if not target.parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.(?:\w+\.tmp|old)")
    stale = [entry for entry in target.parent.iterdir()
             if (found := pattern.fullmatch(entry.name)) and not _alive(int(found[1]))]
    olds = sorted((entry for entry in stale if entry.name.endswith(".old")), key=lambda e: e.lstat().st_mtime)
    if olds and not os.path.lexists(target):
        os.replace(olds.pop(), target)  # the newest old output: its replacement never arrived
    for entry in stale:
        if os.path.lexists(entry):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True
