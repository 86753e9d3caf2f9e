"""The ``comp-sim`` command: parse arguments, call the API, print. Never computes a payout itself.

Bad input exits 1 with the errors on stderr; an internal error exits 2 with a short message and
a hint to re-run with ``--debug`` (which shows the traceback).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from comp_sim.errors import CompSimError
from comp_sim.output import write_text_atomic
from comp_sim.plan.loader import load_plan
from comp_sim.plan.reference import schema_text

app = typer.Typer(
    name="comp-sim",
    help="Simulate incentive-compensation plans: validate them, run them on data, compare and explain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, highlight=False, soft_wrap=True)
STATE = {"debug": False}

F = TypeVar("F", bound=Callable[..., Any])


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Register a command whose bad input exits 1 and internal errors exit 2, never a traceback."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def guarded(*a: Any, **kw: Any) -> Any:
            try:
                return func(*a, **kw)
            except CompSimError as exc:
                err.print(exc.render(), markup=False)
                raise typer.Exit(1) from None
            except typer.Exit:
                raise
            except KeyboardInterrupt:
                err.print("interrupted")
                raise typer.Exit(130) from None
            except Exception as exc:  # the last line of defence: no traceback for users
                if STATE["debug"]:
                    raise
                err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
                err.print("re-run with --debug to see the traceback, and please report it")
                raise typer.Exit(2) from None

        return app.command(*args, **kwargs)(guarded)  # type: ignore[return-value]

    return wrap


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    STATE["debug"] = debug


@command(epilog="Example: comp-sim validate plans/*.yaml")
def validate(
    plans: Annotated[list[Path], typer.Argument(help="Plan files to check.", show_default=False)],
) -> None:
    """Check plan files: prints OK per file, or every error with file, line, key path and rule."""
    failed = []
    for path in plans:
        try:
            plan = load_plan(path)
        except CompSimError as exc:
            failed.append(exc)
            err.print(exc.render(), markup=False)
        else:
            out.print(f"OK  {path}  ({plan.id}: {len(plan.components)} components)", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


@command(epilog="Example: comp-sim schema --out plan.schema.json")
def schema(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write the JSON Schema of plan files (for editor completion and checks)."""
    text = schema_text()
    if out_file is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out_file, text)
        out.print(f"wrote {out_file}", markup=False, highlight=False)


def main() -> None:
    app()
