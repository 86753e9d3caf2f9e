"""The ``comp-sim`` command: parse arguments, call the API, print. Never computes a payout itself.

Bad input exits 1 with the errors on stderr; an internal error exits 2 with a short message and
a hint to re-run with ``--debug`` (which shows the traceback). User text (names, paths, values)
is printed literally: no rich markup or emoji codes are read in it (``deals.csv:100:`` stays
that), and its control characters are written out (``api.printable``).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from warnings import filterwarnings

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.rich_utils import rich_format_error

from comp_sim import api
from comp_sim.api import DIMENSIONS, FORMATS, CompSimError, Issue, UsageError

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    name="comp-sim",
    help="Simulate incentive-compensation plans: validate them, run them on data, compare and explain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
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
                _tell(exc.render())
                raise typer.Exit(1) from None
            except typer.Exit:
                raise
            except KeyboardInterrupt:
                err.print("interrupted")
                raise typer.Exit(130) from None
            except MemoryError:  # inputs within every bound may still need more than this machine has
                files = [str(v) for value in kw.values() for v in (value if isinstance(value, list) else [value])
                         if isinstance(v, Path)]
                _tell(f"{', '.join(files) or 'the inputs'}: not enough memory to run on these inputs "
                      "(README \"Limits\" lists what comp-sim accepts)")
                raise typer.Exit(1) from None
            except Exception as exc:  # the last line of defence: no traceback for users
                if STATE["debug"]:
                    raise
                _tell(f"internal error: {type(exc).__name__}: {exc}")
                err.print("re-run with --debug to see the traceback, and please report it")
                raise typer.Exit(2) from None

        return app.command(*args, **kwargs)(guarded)  # type: ignore[return-value]

    return wrap


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    STATE["debug"] = debug


@command(epilog="Example: comp-sim validate plans/*.yaml programs/*.yaml")
def validate(
    plans: Annotated[list[Path], typer.Argument(help="Plan or program files to check.", show_default=False)],
) -> None:
    """Check plan and program files: prints OK per file, or every error with file, line, key path and rule."""
    failed = []
    for path in plans:
        try:
            unit = api.load_units([path])[0]
        except CompSimError as exc:
            failed.append(exc)
            _tell(exc.render())
        else:
            if unit.single:
                _say(f"OK  {path}  ({unit.id}: {len(unit.plans[0].components)} components)")
            else:
                _say(f"OK  {path}  ({unit.id}: program of {', '.join(p.id for p in unit.plans)})")
    if failed:
        raise typer.Exit(1)


@command(epilog="Example: comp-sim schema --out plan.schema.json")
def schema(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write the JSON Schema of plan files (for editor completion and checks)."""
    text = api.schema_text()
    if out_file is None:
        sys.stdout.write(text)
    else:
        api.check_output_file(out_file, force=True)  # regenerated in place, never through a link
        api.write_text_atomic(out_file, text)
        _say(f"wrote {out_file}")


PlanOption = Annotated[list[Path] | None, typer.Option("--plan", help="A plan file; repeat to compare plans.",
                                                       show_default=False)]
ProgramOption = Annotated[list[Path] | None, typer.Option(
    "--program", help="A program file (a plan per role for the whole team); repeatable, and compared like a plan.",
    show_default=False)]
OnePlanOption = Annotated[Path | None, typer.Option("--plan", help="The plan file.", show_default=False)]
OneProgramOption = Annotated[Path | None, typer.Option(
    "--program", help="A program file, instead of --plan: each rep by the plan of it that lists their role.",
    show_default=False)]
DataOption = Annotated[Path | None, typer.Option(
    "--data", help="A folder of reps, quotas, deals, forecasts, mbo files (CSV, Parquet or XLSX). "
                   "Default: the bundled sample.", show_default=False)]
MappingOption = Annotated[Path | None, typer.Option(
    "--mapping", help="A column-mapping file (YAML) for CRM exports with other column names.",
    show_default=False)]
MapOption = Annotated[list[str] | None, typer.Option(
    "--map", help="Rename one column, as table.column=SourceColumn (e.g. deals.amount=Amount); repeatable.",
    show_default=False)]
HistoryOption = Annotated[str | None, typer.Option(
    "--history-before", help="Deals closed before this date (YYYY-MM-DD) only decide which accounts are new "
                             "(new logos without a new_logo column); they are not paid.", show_default=False)]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output.")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Run the trials on a Dask cluster, with the same numbers: a scheduler's address "
                        "(tcp://host:8786), or local:N for N worker processes on this machine.",
    show_default=False)]
IdleRepsOption = Annotated[str, typer.Option(
    "--idle-reps", help="In --trials around --data, reps without a deal in the data: inactive (book "
                        "nothing) or team (book at their team's level).")]
EXPLAIN_FORMATS = ("text", "json", "html")


@command(epilog="""Examples:\n
  comp-sim run --program programs/current-2026.yaml --program programs/proposed-2027.yaml --out results\n
  comp-sim run --plan plans/current-2026.yaml --plan plans/balanced-2027.yaml --out results\n
  comp-sim run --plan plans/*.yaml --out results-all\n
  comp-sim run --plan plans/current-2026.yaml --plan plans/balanced-2027.yaml --synthetic 200 --trials 500 --seed 7 --format xlsx --out results-mc""")
def run(
    files: Annotated[list[Path] | None, typer.Argument(
        help="More plan or program files, after the --plan and --program ones (so --plan plans/*.yaml compares "
             "every plan the pattern finds).", show_default=False)] = None,
    plan: PlanOption = None,
    program: ProgramOption = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder to write the results to (created whole, or not at all).", show_default=False)] = None,
    data: DataOption = None,
    synthetic: Annotated[int | None, typer.Option(
        "--synthetic", help="Simulate this many synthetic reps over Monte-Carlo trials instead of --data.",
        show_default=False)] = None,
    trials: Annotated[int | None, typer.Option(
        "--trials", help="Monte-Carlo trials: of --synthetic reps (default 1000), or drawn around the --data "
                         "reps (default: replay the data once).",
        show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same numbers.")] = 0,
    idle_reps: IdleRepsOption = "inactive",
    baseline: Annotated[str | None, typer.Option(
        "--baseline", help="Plan or program id to compare the others with (default: the first --program, else the "
                           "first --plan).", show_default=False)] = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    history_before: HistoryOption = None,
    fmt: Annotated[str, typer.Option("--format", help=f"Table format: {', '.join(FORMATS)}.")] = "csv",
    force: ForceOption = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Run plans or programs over data and compare them: prints a comparison table and writes
    payouts, statements, winners and losers, the comparison and summary.json to --out."""
    fmt = _choice(fmt, FORMATS, "--format")
    idle_reps = _choice(idle_reps, api.IDLE_REPS, "--idle-reps")
    if out_dir is None:
        raise UsageError(Issue("Missing option '--out': the folder to write the results to", path="--out"))
    if data is not None and synthetic is not None:
        raise UsageError(Issue("give --data or --synthetic, not both", path="--synthetic", value=synthetic))
    _positive(synthetic, "--synthetic")
    _positive(trials, "--trials")
    if synthetic is not None and (mapping is not None or map_pairs or history_before):
        raise UsageError(Issue("--mapping, --map and --history-before read --data files; "
                               "they do not apply to --synthetic", path="--map"))
    api.check_output_folder(out_dir, force)
    units = api.load_units(_sources(plan, program, files))
    api.check_output_apart(out_dir, _inputs(units, None if synthetic else data, mapping))
    ids = [u.id for u in units]
    if baseline is not None and baseline not in ids:
        raise UsageError(Issue(f"no plan '{baseline}' among the --plan and --program files (ids: {', '.join(ids)})",
                               path="--baseline"))
    dataset = None if synthetic is not None else _load_data(data, mapping, map_pairs, history_before, notes=False)
    _prepare_kernel(trials, synthetic)
    with _progress("Simulating") as progress:
        simulation = api.simulate(units, dataset, trials=trials, seed=seed, synthetic=synthetic,
                                  progress=progress, idle_reps=idle_reps, scheduler=scheduler)
    comparison = api.compare(simulation, baseline)
    out.print(_comparison_table(comparison, simulation), crop=False)  # a narrow terminal wraps, never cuts
    for note in simulation.notes:
        _tell(f"note: {note}")
    _print_lint(simulation)
    files = api.write_results(simulation, out_dir, fmt=fmt, force=force, comparison=comparison)
    _say(f"wrote {len(files)} files to {out_dir}: {', '.join(f.name for f in files)}")


@command(epilog="""Examples:\n
  comp-sim explain --plan plans/balanced-2027.yaml --rep R001\n
  comp-sim explain --plan plans/balanced-2027.yaml --rep R001 --format html --out R001.html""")
def explain(
    rep: Annotated[str, typer.Option("--rep", help="The rep's rep_id.", show_default=False)],
    plan: OnePlanOption = None,
    program: OneProgramOption = None,
    data: DataOption = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    history_before: HistoryOption = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json or html (a printable one-page statement).")] = "text",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.",
                                                  show_default=False)] = None,
    force: ForceOption = False,
) -> None:
    """A rep's statement under a plan, line by line: metric -> curve/tiers -> gate -> money ->
    multiplier -> true-up -> cap -> paid, with totals by component."""
    fmt = _choice(fmt, EXPLAIN_FORMATS, "--format")
    if out_file is not None:
        api.check_output_file(out_file, force)
    loaded = api.load_units([_one(plan, program)])[0]
    if out_file is not None:
        api.check_output_apart(out_file, _inputs([loaded], data, mapping))
    dataset = _load_data(data, mapping, map_pairs, history_before)
    statement = api.explain(loaded, dataset, rep)
    text = {"text": statement.text, "json": statement.json, "html": statement.html}[fmt]()
    if out_file is None:
        sys.stdout.write(api.printable(text))
    else:
        api.write_text_atomic(out_file, text)
        _say(f"wrote {out_file} (total paid {statement.total:,.2f} {statement.header['currency']})")


@command(epilog="Example: comp-sim synth --reps 120 --months 12 --seed 7 --out data/synthetic")
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the data files to.", show_default=False)],
    reps: Annotated[int, typer.Option("--reps", help="Number of reps.")] = 80,
    months: Annotated[int, typer.Option("--months", help="Months of deals, from --start.")] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed writes the same files.")] = 0,
    start: Annotated[str, typer.Option("--start", help="First month, as YYYY-MM.")] = "2026-01",
    fmt: Annotated[str, typer.Option("--format", help=f"File format: {', '.join(FORMATS)}.")] = "csv",
    force: ForceOption = False,
) -> None:
    """Write a synthetic dataset (reps, quotas, deals, forecasts, mbo) that --data reads back."""
    fmt = _choice(fmt, FORMATS, "--format")
    _positive(reps, "--reps", api.MAX_SYNTH_DATA_REPS)
    _positive(months, "--months", api.MAX_SYNTH_MONTHS)
    api.check_output_folder(out_dir, force)
    dataset = api.synthesize(reps, months, seed, start=start)
    api.write_dataset(dataset, out_dir, fmt=fmt, force=force)
    _say(f"wrote {len(dataset.reps)} reps and {len(dataset.deals)} deals to {out_dir}")


@command(epilog="""Examples:\n
  comp-sim lint plans/*.yaml programs/proposed-2027.yaml\n
  comp-sim lint plans/balanced-2027.yaml --data examples/salesforce --mapping examples/salesforce/mapping.yaml""")
def lint(
    plans: Annotated[list[Path], typer.Argument(help="Plan files (or program files: each of their plans) to check.",
                                                show_default=False)],
    data: DataOption = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    history_before: HistoryOption = None,
) -> None:
    """Warn about what a plan invites reps to do (cliffs, uncapped exposure, discounting, ...),
    with figures from a run over --data (default: the bundled sample).
    Exits 0 when there are only warnings, 1 when a plan or the data is invalid."""
    dataset = _load_data(data, mapping, map_pairs, history_before) if data is not None or mapping or map_pairs \
        or history_before else None
    invalid = 0
    for path in plans:
        try:
            found = [(p, api.lint(p, data=dataset)) for p in api.load_units([path])[0].plans]
        except CompSimError as exc:
            invalid += 1
            _tell(exc.render())
            continue
        for plan, warnings in found:
            _say(api.render_warnings(warnings) if warnings else f"{plan.source}: no warnings\n", end="")
    if invalid:
        raise typer.Exit(1)


@command(epilog="Example: comp-sim gaming --plan plans/current-2026.yaml")
def gaming(
    plan: OnePlanOption = None,
    program: OneProgramOption = None,
    data: DataOption = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    history_before: HistoryOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (which reps pair up to split deals).")] = 0,
    scheduler: SchedulerOption = None,
) -> None:
    """What each gaming strategy (pull or push a deal, sandbag, discount, split) gains the reps
    it pays and costs the company, under one plan."""
    loaded = api.load_units([_one(plan, program)])[0]
    report = api.gaming(loaded, _load_data(data, mapping, map_pairs, history_before), seed=seed, scheduler=scheduler)
    out.print(_frame_table(report, f"Gaming {loaded.name} ({loaded.id})", [
        *([("plan", "plan", "text")] if len(loaded.plans) > 1 else []), ("strategy", "strategy", "text"), ("share_of_reps_gaining", "reps it pays", "pct"),
        ("mean_gain_per_rep", "mean gain", "money"), ("max_gain", "most gained", "money"),
        ("added_plan_cost", "added cost", "money"), ("added_cost_pct", "added cost %", "pct")]), crop=False)
    for record in report.drop_duplicates("strategy").to_dict(orient="records"):
        _say(f"{record['strategy']}: {record['description']}")


@command(epilog="""Example: comp-sim sensitivity --plan plans/current-2026.yaml --plan plans/balanced-2027.yaml --dimension attainment""")
def sensitivity(
    plan: PlanOption = None,
    program: ProgramOption = None,
    data: DataOption = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    history_before: HistoryOption = None,
    dimension: Annotated[str, typer.Option("--dimension", help=f"What shifts: {', '.join(DIMENSIONS)}.")] = "attainment",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (which deals change for mix and new_logos).")] = 0,
    scheduler: SchedulerOption = None,
) -> None:
    """Cost, cost of sales and payout % of TI as team attainment, product mix or new logos shift
    by -30%..+30%, and what 1% more costs per plan."""
    dimension = _choice(dimension, DIMENSIONS, "--dimension")
    units = api.load_units(_sources(plan, program))
    table = api.sensitivity(units, _load_data(data, mapping, map_pairs, history_before), seed=seed, dimension=dimension,
                            scheduler=scheduler)
    order = {u.id: index for index, u in enumerate(units)}
    table = table.sort_values("plan", key=lambda ids: ids.map(order), kind="stable")  # plan by plan
    out.print(_frame_table(table, f"Sensitivity to {dimension}", [
        ("plan", "plan", "text"), ("shift", "shift", "shift"), ("cost", "cost", "money"),
        ("bookings", "bookings", "money"), ("cost_of_sales", "cost of sales", "pct"),
        ("payout_pct_ti_mean", "payout % of TI", "pct"), ("share_at_quota", "at quota", "pct")]), crop=False)
    out.print(_frame_table(api.elasticity(table), f"What 1% more {dimension} costs", [
        ("plan", "plan", "text"), ("base_cost", "cost", "money"), ("cost_per_pct", "cost per 1%", "money"),
        ("cost_elasticity", "elasticity", "number"), ("payout_pct_ti_per_pct", "payout % of TI per 1%", "pct")]), crop=False)


@command(epilog="""Examples:\n
  comp-sim quotas --data examples/hubspot --mapping examples/hubspot/mapping.yaml --metric bookings --metric new_logos --method percentile --out examples/hubspot/quotas.csv\n
  comp-sim quotas --data my-export --start 2027-01 --method trailing --growth 0.1 --spread seasonal --ramp 0.25,0.5,0.75 --out next-year/quotas.csv""")
def quotas(
    out_file: Annotated[Path, typer.Option("--out", help="The quotas file to write (.csv, .parquet or .xlsx); "
                                                         "its note goes beside it as NAME.note.md.",
                                           show_default=False)],
    data: DataOption = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    history_before: HistoryOption = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="The plan year's first month, YYYY-MM (default: January of the year holding most months "
                        "of deals, to replay that year).", show_default=False)] = None,
    method: Annotated[str, typer.Option(
        "--method", help="trailing: each rep's own history x (1 + growth); percentile: per role, the level "
                         "--reach of its reps reached; uniform: --amount per role.")] = "trailing",
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", help=f"A metric to set quotas for ({', '.join(api.QUOTA_METRICS)}); repeatable. "
                         "Default: bookings.", show_default=False)] = None,
    growth: Annotated[float, typer.Option("--growth", help="Growth over history: 0.1 is 10% more.")] = 0.0,
    reach: Annotated[float, typer.Option("--reach", help="percentile: the share of reps that would reach "
                                                         "their quota.")] = api.DEFAULT_REACH,
    amount: Annotated[list[str] | None, typer.Option(
        "--amount", help="uniform: ROLE=AMOUNT a year (for the first --metric), or METRIC:ROLE=AMOUNT; "
                         "repeatable.", show_default=False)] = None,
    spread: Annotated[str, typer.Option("--spread", help="even, or seasonal (each month's share of the "
                                                         "history).")] = "even",
    ramp: Annotated[str | None, typer.Option(
        "--ramp", help="Factors for a new hire's first months, e.g. 0.25,0.5,0.75.", show_default=False)] = None,
    history: Annotated[str | None, typer.Option(
        "--history", help="The history window, a period (2026, 2026-H2); default: the 12 months before the "
                          "plan year, or the plan year itself when the data has deals in fewer than 3 of them.",
        show_default=False)] = None,
    force: ForceOption = False,
) -> None:
    """Quotas from history, for data that has none or for next year's plan: writes a quotas file
    the data folder reads, and a note with the method and every figure."""
    metrics = list(metric or ["bookings"])
    factors = _factors(ramp)
    api.check_quota_options(metrics, method, growth, reach, spread, factors, prefix="--")
    api.check_output_file(out_file, force)
    dataset = _load_data(data, mapping, map_pairs, history_before)
    result = api.quotas(dataset, start, metrics=metrics, method=method, growth=growth, reach=reach,
                        amounts=api.parse_amounts(amount or [], metrics, "--amount"), spread=spread, ramp=factors, history=history)
    _say(result.method_text())
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    summary = result.summary()
    for column in ("total", "median", "lowest", "highest"):
        summary[column] = summary[column].map(api.quota_figure)
    out.print(_frame_table(summary.astype(str), "Plan-year quotas per role",
                           [(column, column, "text") for column in summary.columns]))
    written, note_file = api.write_quotas(result, out_file, force=force)
    _say(f"wrote {written} ({len(result.quotas):,} rows) and {note_file}")


def _factors(text: str | None) -> list[float]:
    """``"0.25,0.5,0.75"`` as numbers."""
    if not text:
        return []
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(Issue("ramp factors are numbers separated by commas, e.g. 0.25,0.5,0.75",
                               path="--ramp", value=text)) from None


@command(epilog="""Examples:\n
  comp-sim calibrate --program programs/proposed-2027.yaml --cost-neutral-to programs/current-2026.yaml --lever rates --out calibrated\n
  comp-sim calibrate --plan plans/balanced-2027.yaml --budget 2500000 --lever ti --out balanced-budget.yaml\n
  comp-sim calibrate --plan plans/balanced-2027.yaml --pay-at-quota 1.0 --lever rates --out balanced-at-quota.yaml""")
def calibrate(
    plan: OnePlanOption = None,
    program: OneProgramOption = None,
    cost_neutral_to: Annotated[Path | None, typer.Option(
        "--cost-neutral-to", help="A plan or program file: cost as much as it does on the same data and trials.",
        show_default=False)] = None,
    budget: Annotated[float | None, typer.Option("--budget", help="Cost this much (mean over trials).",
                                                 show_default=False)] = None,
    pay_at_quota: Annotated[float | None, typer.Option(
        "--pay-at-quota", help="Pay reps who finish within 5%% of quota this share of TI (e.g. 1.0).",
        show_default=False)] = None,
    lever: Annotated[str, typer.Option("--lever", help="What scales: ti (target incentives), rates (every curve, "
                                                       "tier, commission rate and SPIFF), upside (only what is "
                                                       "paid above target).")] = "rates",
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="The calibrated plan file (a folder for a program: its plans and the program file).",
        show_default=False)] = None,
    data: DataOption = None,
    mapping: MappingOption = None,
    map_pairs: MapOption = None,
    trials: Annotated[int | None, typer.Option("--trials", help="Monte-Carlo trials around the data (default: "
                                                                "the data as it happened).", show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the trials.")] = 0,
    idle_reps: IdleRepsOption = "inactive",
    history_before: HistoryOption = None,
    force: ForceOption = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Solve one scale on a lever of a plan (or of every plan of a program) so that its mean cost
    meets a target within 0.1%: cost-neutral to another plan or program, a budget, or a payout
    at quota. Prints the scale, the figure reached and the guard figures before and after, and
    writes the calibrated plan keeping the original's comments and key order."""
    lever = _choice(lever, api.LEVERS, "--lever")
    idle_reps = _choice(idle_reps, api.IDLE_REPS, "--idle-reps")
    _positive(trials, "--trials")
    if out_path is None:
        raise UsageError(Issue("Missing option '--out': where to write the calibrated plan", path="--out"))
    unit = api.load_units([_one(plan, program)])[0]
    many = len(unit.plans) > 1 or not unit.single
    if many:
        api.check_output_folder(out_path, force)
    else:
        api.check_output_file(out_path, force)
    baseline = api.load_units([cost_neutral_to]) if cost_neutral_to is not None else []
    api.check_output_apart(out_path, _inputs([unit, *baseline], data, mapping))
    dataset = _load_data(data, mapping, map_pairs, history_before)
    _prepare_kernel(trials, None)
    with _progress("Calibrating", unit="runs") as progress:
        result = api.calibrate(unit, lever=lever, cost_neutral_to=cost_neutral_to, budget=budget,
                               pay_at_quota=pay_at_quota, data=dataset, trials=trials, seed=seed,
                               idle_reps=idle_reps, on_step=lambda step, scale, figure: progress(step, 0), scheduler=scheduler)
    currency = unit.currency
    _say(f"{unit.id}: {lever} lever x {result.scale:.6g} meets {result.target.label}: "
         f"{'cost' if result.target.kind == 'cost' else 'payout at quota'} "
         f"{_money(result.reached, currency) if result.target.kind == 'cost' else _pct(result.reached)} "
         f"({result.evaluations} runs)")
    out.print(_guard_table(result, currency), crop=False)
    files = api.write_calibrated(result, out_path, force=force)
    _say(f"wrote {', '.join(str(f) for f in files)}")


def _guard_table(result: api.Calibration, currency: str) -> Table:
    """The guard figures before and after the calibration."""
    table = Table(title="Guard figures")
    for label, justify in (("", "left"), ("before", "right"), ("after", "right")):
        table.add_column(label, justify=justify)
    rows = [("cost", "cost", lambda v: _money(v, currency)), ("payout % of TI P90", "payout_pct_ti_p90", _pct),
            ("share at or above quota", "share_at_or_above_quota", _pct), ("cost of sales", "cost_of_sales", _pct),
            ("payout at quota (% of TI)", "pay_at_quota", _pct)]
    if "winners" in result.before:
        rows.append(("winners / losers vs the baseline", "winners",
                     lambda v: None))
    for label, key, shown in rows:
        if key == "winners":
            cells = [f"{figures['winners']} / {figures['losers']}" for figures in (result.before, result.after)]
        else:
            cells = [shown(figures[key]) for figures in (result.before, result.after)]
        table.add_row(label, *cells)
    return table


@command("app", epilog="Example: comp-sim app --port 8502 --headless --data-root ~/exports")
def app_command(
    port: Annotated[int | None, typer.Option("--port", help="Port to serve on (Streamlit's default: 8501).",
                                             show_default=False)] = None,
    headless: Annotated[bool, typer.Option("--headless", help="Do not open a browser.")] = False,
    data_root: Annotated[Path | None, typer.Option(
        "--data-root", help="The folder under which the app's Folder source reads (default: this folder).",
        show_default=False)] = None,
) -> None:
    """Open the app (Streamlit) on the bundled plans and sample data; uploads are limited to
    the app's bound wherever it is started from."""
    root = (data_root or Path.cwd()).resolve()
    if not root.is_dir():
        raise UsageError(Issue("the data root must be a folder", path="--data-root", value=str(data_root)))
    command_line = [sys.executable, "-m", "streamlit", "run", str(api.ROOT / "app.py"),
                    "--server.maxUploadSize", str(api.MAX_UPLOAD_MB)]
    if port is not None:
        command_line += ["--server.port", str(port)]
    if headless:
        command_line += ["--server.headless", "true"]
    raise typer.Exit(subprocess.call(command_line, env={**os.environ, api.DATA_ROOT_VARIABLE: str(root)}))


def _sources(plans: list[Path] | None, programs: list[Path] | None, more: list[Path] | None = None) -> list[Path]:
    """What a command compares: the --program files, then the --plan files, then the files
    given without an option (a plan or a program file is told apart by what it holds)."""
    sources = [*(programs or []), *(plans or []), *(more or [])]
    if not sources:
        raise UsageError(Issue("give at least one --plan or --program", path="--plan"))
    return sources


def _one(plan: Path | None, program: Path | None) -> Path:
    """The one --plan or --program a command works on."""
    if (plan is None) == (program is None):
        raise UsageError(Issue("give one --plan or one --program", path="--plan" if plan is None else "--program"))
    return plan if plan is not None else program  # type: ignore[return-value]


def _inputs(units: Sequence[api.Program], data: Path | None, mapping: Path | None) -> list[str | Path | None]:
    """Every file and folder a command reads: plan and program files (and a program's plans),
    the data folder (the bundled sample without --data) and the mapping file."""
    files = [u.source for u in units] + [p.source for p in api.plans_of(units)]
    return [*(f for f in files if not f.startswith("<")), data or api.SAMPLE_DATA_DIR, mapping]


def _say(text: str, end: str = "\n") -> None:
    """Plain text on stdout, unwrapped (the terminal wraps), printed literally."""
    out.print(api.printable(text), end=end, highlight=False, soft_wrap=True)


def _tell(text: str) -> None:
    """Plain text on stderr (errors, notes, warnings), printed literally."""
    err.print(api.printable(text))


def _choice(value: str, allowed: Sequence[str], option: str) -> str:
    if value not in allowed:
        raise UsageError(Issue(f"must be one of {', '.join(allowed)}", path=option, value=value))
    return value


def _positive(value: int | None, option: str, most: int | None = None) -> None:
    if value is not None and value <= 0:
        raise UsageError(Issue("must be a whole number above 0", path=option, value=value))
    if value is not None and most is not None and value > most:
        raise UsageError(Issue(f"must be at most {most:,}", path=option, value=value))


def _load_data(folder: Path | None, mapping_file: Path | None, pairs: list[str] | None,
               history_before: str | None = None, notes: bool = True) -> api.Dataset:
    """The dataset from --data (the bundled sample without it), read through --mapping/--map;
    with ``notes``, what the data says as it loads (rows a filter kept, ...) on stderr."""
    dataset = api.load_data(folder, mapping=mapping_file, pairs=pairs or (), history_before=history_before)
    if notes:
        for note in dataset.warnings:
            err.print(f"note: {note}", markup=False, highlight=False)
    return dataset


def _prepare_kernel(trials: int | None, synthetic: int | None) -> None:
    """Say so while Monte-Carlo's trial kernel loads (compiled once per machine, some seconds)."""
    if (synthetic is not None or (trials or 1) > 1) and not api.kernel_ready():
        with err.status("Preparing the Monte-Carlo trial kernel (compiled once per machine)..."):
            api.prepare_kernel()


@contextmanager
def _progress(label: str, unit: str = "trials") -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (over trial chunks, or runs with no known end when ``total`` is
    0); yields the ``progress(done, total)`` callback."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _comparison_table(comparison: api.Comparison, simulation: api.Simulation) -> Table:
    """One column per plan or program, one row per figure finance asks for first. The change
    against the baseline is over the reps both cover; reps only one covers are counted."""
    currency = {u.id: u.currency for u in simulation.units}
    table = Table(title=api.printable(f"Compared with {comparison.baseline} ({simulation.data_label}, "
                                      f"{simulation.trials} trial{'s' if simulation.trials != 1 else ''})"))
    table.add_column("")
    for unit_id in comparison.plans["plan"]:
        table.add_column(str(unit_id), justify="right")
    base = comparison.baseline

    def change(r: dict, c: str) -> str:
        if r["plan"] == base:
            return "baseline"
        if not r["common_reps"]:
            return "no rep in common"
        return _money(r["delta_vs_baseline"], c, signed=True) + f" ({r['common_reps']:,} reps)"

    def only(r: dict, c: str) -> str:
        if r["plan"] == base:
            return "baseline"
        return f"{r['only_here']:,} / {r['only_in_baseline']:,}"

    rows = [
        ("plans", lambda r, c: f"{r['plans']:,}"),
        ("reps", lambda r, c: f"{r['reps']:,}"),
        ("cost", lambda r, c: _money(r["total_payout"], c)),
        ("vs baseline, same reps", change),
        ("reps only here / only in baseline", only),
        ("cost of sales", lambda r, c: _pct(r["cost_of_sales"])),
        ("payout % of TI P10", lambda r, c: _pct(r["payout_pct_ti_p10"])),
        ("payout % of TI P50", lambda r, c: _pct(r["payout_pct_ti_p50"])),
        ("payout % of TI P90", lambda r, c: _pct(r["payout_pct_ti_p90"])),
        ("share at or above quota", lambda r, c: _pct(r["share_at_or_above_quota"])),
        ("cost P50", lambda r, c: _money(r["cost_p50"], c)),
        ("cost P95", lambda r, c: _money(r["cost_p95"], c)),
        ("cost P99", lambda r, c: _money(r["cost_p99"], c)),
        ("winners / losers", lambda r, c: "baseline" if r["plan"] == base else f"{r['winners']} / {r['losers']}"),
    ]
    records = comparison.plans.to_dict(orient="records")
    for label, cell in rows:
        table.add_row(label, *(cell(r, currency[r["plan"]]) for r in records))
    return table


def _frame_table(frame: pd.DataFrame, title: str, columns: list[tuple[str, str, str]]) -> Table:
    """A report table for the terminal from (column, label, kind) triples; kinds are text, money
    (whole units; the currency goes in the label), pct, shift (a signed percentage) and number."""
    currencies = sorted(set(frame["currency"])) if "currency" in frame and len(frame) else []
    suffix = f" ({currencies[0]})" if len(currencies) == 1 else ""
    table = Table(title=api.printable(title))
    cells = [[_format(kind, record[column]) for column, _, kind in columns] for record in frame.to_dict(orient="records")]
    for position, (column, label, kind) in enumerate(columns):
        # names and figures are never cut short; a narrow terminal wraps the headers instead
        widest = max([0, *(len(row[position]) for row in cells)])
        if kind == "text":
            table.add_column(label, min_width=max(widest, len(label)), no_wrap=True)
        else:
            table.add_column(label + (suffix if kind == "money" else ""), justify="right", min_width=widest)
    for row in cells:
        table.add_row(*row)
    return table


def _format(kind: str, value: Any) -> str:
    if kind == "text":
        return api.printable(str(value))
    if value is None or value != value:
        return "n/a"
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "pct":
        return _pct(value)
    if kind == "shift":
        return f"{value:+.0%}"
    return f"{value:,.2f}"


def _money(value: float | None, currency: str, signed: bool = False) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:{'+' if signed else ''},.2f} {currency}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"


def _print_lint(simulation: api.Simulation) -> None:
    """The plans' high and medium lint warnings, one line each, on stderr (``comp-sim lint``
    shows the figures and the fixes)."""
    shown = 0
    for plan in simulation.plans:
        for warning in api.lint(plan, population=simulation):
            if warning.severity in ("high", "medium"):
                shown += 1
                gist = warning.message.split(": ")[0]
                _tell(f"warning[{warning.id}, {warning.severity}] {warning.location}: {gist}")
    if shown:
        _tell("(comp-sim lint PLAN shows the figures and a fix for each warning)")


def main(args: Sequence[str] | None = None) -> None:
    """Entry point: usage errors (an unknown option, a missing value) are bad input too, so they
    exit 1 like every other bad input, keeping 2 for internal errors. numpy's overflow warnings
    are not shown: a run whose payouts overflow fails with its own message."""
    filterwarnings("ignore", message="(overflow|invalid value) encountered", category=RuntimeWarning)
    args = list(sys.argv[1:] if args is None else args) or ["--help"]
    command_group = typer.main.get_command(app)
    try:
        code = command_group.main(args=args, prog_name="comp-sim", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors: unknown option, missing value, ...
        rich_format_error(exc)
        code = 1
    except typer.Abort:
        err.print("aborted")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
