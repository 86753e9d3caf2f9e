"""Files in and out: bounded UTF-8 reads of small user files (plans, mappings), JSON of numpy
values, and atomic writes, where a file appears whole or not at all (write a temporary file, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from comp_sim.errors import CompSimError, Issue, UsageError


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
