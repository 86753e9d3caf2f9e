"""Quotas from history (SPEC "Data", "Quotas from history"): a quotas table for data that has
none, or for next year's plan, with the method and figures stated.

For each rep and metric (``bookings``, ``new_logos``, ``new_logo_bookings``, ``deals``) the
history is the metric over a window of months (default: the 12 months before the plan year when
the data has deals in at least 3 of them, else the plan year itself), annualized over the months
of it the rep was employed and the data covers: ``history x 12 / months``. The annual quota is then

- ``trailing``: the rep's own annualized history x (1 + growth); a rep with fewer than
  MIN_HISTORY_MONTHS months of history, or none booked, gets the median of its role's own quotas;
- ``percentile``: per role, the annualized history of the k-th best rep with k = ceil(reach x n)
  over the n reps with enough history, x (1 + growth): that share of reps would reach it;
- ``uniform``: an amount per role.

It is spread over the plan year's months evenly or by the history's seasonality (each calendar
month's share of the window's total), prorated by the days the rep is employed in each month
(the engine never prorates quotas), and multiplied by ramp factors in a new hire's first months
(tenure month 1 is the month holding the hire date). Rows are monthly (``2027-03``); months with
no quota are left out. Everything is array arithmetic over (reps, months).

Example: a rep who booked 480,000 over the 12 months before 2027, with growth 0.10, gets a
trailing quota of 528,000 for 2027, 44,000 a month when spread evenly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from comp_sim.measures import BOOKINGS, DEALS, NEW_LOGO_BOOKINGS, NEW_LOGOS, DealMeasure
from comp_sim.data.dataset import Dataset, employed_share
from comp_sim.errors import Issue, UsageError
from comp_sim.periods import PLAN_YEAR_MONTHS, Month, Period

METHODS = ("trailing", "percentile", "uniform")
SPREADS = ("even", "seasonal")
METRICS: dict[str, DealMeasure] = {"bookings": BOOKINGS, "new_logos": NEW_LOGOS,
                                   "new_logo_bookings": NEW_LOGO_BOOKINGS, "deals": DEALS}
MIN_HISTORY_MONTHS = 3.0  # months of history (employed, covered by the data) a rep's own figure needs
DEFAULT_REACH = 0.6  # the share of reps at or above quota that sales-comp practice aims for (50-70%)


@dataclass(frozen=True)
class QuotaSet:
    """Quotas worked out from history, with how: ``quotas`` is the table the loader reads
    (rep_id, period, metric, target); ``basis`` has one row per rep and metric: its history
    over the window, the months it covers, the annualized figure, how its quota was set, the
    annual quota and the plan-year quota written (after proration and ramp)."""

    quotas: pd.DataFrame
    basis: pd.DataFrame
    method: str
    start: Month
    window: tuple[Month, int]  # first month and length of the history window
    growth: float
    reach: float
    spread: str
    ramp: tuple[float, ...]
    weights: np.ndarray  # (12,) share of the annual quota in each month of the plan year
    season_of: str  # the metric whose history gives the seasonal spread
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> pd.DataFrame:
        """Per metric and role: reps with a quota, plan-year total, median, lowest and highest."""
        given = self.basis[self.basis["plan_year_quota"] > 0]
        grouped = given.groupby(["metric", "role"], sort=True)["plan_year_quota"]
        return grouped.agg(reps="size", total="sum", median="median", lowest="min", highest="max").reset_index()

    def method_text(self) -> str:
        """The method and its figures, in a sentence or two."""
        first, months = self.window
        window = f"{first}..{first + (months - 1)}"
        growth = f" x (1 + {self.growth:g})" if self.growth else ""
        how = {
            "trailing": f"each rep's own history over {window}, annualized{growth}; reps with under "
                        f"{MIN_HISTORY_MONTHS:g} months of history or none booked get their role's median",
            "percentile": f"the annualized history over {window} that {self.reach:.0%} of each role's reps reached "
                          f"(the k-th best of n, k = ceil({self.reach:g} x n)){growth}",
            "uniform": "an amount per role",
        }[self.method]
        spread = "evenly" if self.spread == "even" else f"by the seasonality of {self.season_of} over {window}"
        ramp = f"; new hires' first months x {', '.join(f'{r:g}' for r in self.ramp)}" if self.ramp else ""
        return (f"Quotas for the plan year {self.start}..{self.start + (PLAN_YEAR_MONTHS - 1)} set from {how}; spread "
                f"{spread} over the months, prorated by days employed{ramp}.")

    def note(self) -> str:
        """The companion note: the method, then every figure (per role, then per rep)."""
        lines = ["# Quotas from history", "", self.method_text(), ""]
        lines += [f"- {note}" for note in self.notes]
        weights = ", ".join(f"{self.start + i}: {w:.2%}" for i, w in enumerate(self.weights))
        lines += ["", f"Monthly shares of the annual quota: {weights}.", "", "## Per role", "",
                  _markdown(self.summary()), "", "## Per rep", "", _markdown(self.basis), ""]
        return "\n".join(lines)


def quotas_from_history(
    dataset: Dataset,
    start: Month | str | None = None,
    *,
    metrics: Sequence[str] = ("bookings",),
    method: str = "trailing",
    growth: float = 0.0,
    reach: float = DEFAULT_REACH,
    amounts: Mapping[str, Mapping[str, float]] | None = None,
    spread: str = "even",
    ramp: Sequence[float] = (),
    history: str | None = None,
) -> QuotaSet:
    """Quotas for the plan year from ``start`` (default: January of the year holding most
    months of deals), by ``method`` (see the module). ``amounts`` are ``{metric: {role:
    annual amount}}`` for ``uniform``; ``history`` a period (``2026``, ``2026-H2``) for the window."""
    check_options(metrics, method, growth, reach, spread, ramp)
    start = _start(dataset, start)
    window = _window(dataset, start, history)
    reps = dataset.reps
    first, months = window
    cube = dataset.cube(tuple(METRICS[m] for m in metrics), (), first, months)
    covered = _coverage(dataset, first, months)  # (months,) bool: the data reaches these months
    history_months = (employed_share(reps, first, months) * covered[None, :]).sum(axis=1)  # (reps,)
    employed = employed_share(reps, start, PLAN_YEAR_MONTHS)  # (reps, 12)
    ramped = employed * _ramp_factors(reps, start, ramp)
    season = _weights(cube.measures[METRICS[metrics[0]].key][0], first, months, start, spread)
    notes = []
    if first + months > start:
        notes.append(f"the history window {first}..{first + (months - 1)} is the plan year itself: "
                     "quotas measure the year against itself")
    rows, bases = [], []
    for metric in metrics:
        value = cube.measures[METRICS[metric].key][0].sum(axis=1)  # (reps,)
        annualized = np.divide(value * PLAN_YEAR_MONTHS, history_months, out=np.zeros(len(reps)),
                               where=history_months > 0)
        annual, how = _annual(reps, metric, annualized, history_months, method, growth, reach, amounts, notes)
        monthly = annual[:, None] * season[None, :] * ramped  # (reps, 12)
        rows.append(_rows(reps, metric, monthly, start))
        bases.append(pd.DataFrame({
            "rep_id": reps["rep_id"], "name": reps["name"], "role": reps["role"], "metric": metric,
            "history": value, "history_months": history_months.round(2), "annualized": annualized,
            "basis": how, "annual_quota": annual, "plan_year_quota": monthly.sum(axis=1)}))
    quotas = pd.concat(rows, ignore_index=True)
    basis = pd.concat(bases, ignore_index=True)
    unemployed = int((employed.sum(axis=1) == 0).sum())
    if unemployed:
        notes.append(f"{unemployed} rep(s) are not employed in the plan year and get no quota")
    return QuotaSet(quotas, basis, method, start, window, growth, reach, spread, tuple(ramp), season, metrics[0],
                    tuple(notes))


def check_options(metrics: Sequence[str], method: str, growth: float, reach: float, spread: str,
                  ramp: Sequence[float], prefix: str = "") -> None:
    """Every bad option at once; ``prefix`` names them as options (``--``) in errors."""
    issues = []
    if method not in METHODS:
        issues.append(Issue(f"must be one of {', '.join(METHODS)}", path=f"{prefix}method", value=method))
    if spread not in SPREADS:
        issues.append(Issue(f"must be one of {', '.join(SPREADS)}", path=f"{prefix}spread", value=spread))
    if not metrics:
        issues.append(Issue(f"give at least one metric ({', '.join(METRICS)})", path=f"{prefix}metric"))
    for metric in metrics:
        if metric not in METRICS:
            issues.append(Issue(f"quotas from history are for {', '.join(METRICS)}", path=f"{prefix}metric", value=metric))
    if len(set(metrics)) < len(metrics):
        issues.append(Issue("a metric is given twice", path=f"{prefix}metric", value=list(metrics)))
    if not (math.isfinite(growth) and growth > -1):
        issues.append(Issue("must be a finite number above -1 (0.1 is 10% more than history)", path=f"{prefix}growth",
                            value=growth))
    if not (0 < reach <= 1):
        issues.append(Issue("must be a share of reps above 0 and at most 1 (0.6 is 60%)", path=f"{prefix}reach", value=reach))
    if any(not (0 < factor <= 1) for factor in ramp):
        issues.append(Issue("ramp factors are each above 0 and at most 1", path=f"{prefix}ramp", value=list(ramp)))
    if issues:
        raise UsageError(issues)


def parse_amounts(pairs: Sequence[str], metrics: Sequence[str], option: str = "amount") -> dict[str, dict[str, float]]:
    """``["AE=800000", "new_logos:AE=6"]`` as ``{metric: {role: amount}}``: a pair without a
    metric is for the first of ``metrics``.

    >>> parse_amounts(["AE=800000", "new_logos:AE=6"], ["bookings", "new_logos"])
    {'bookings': {'AE': 800000.0}, 'new_logos': {'AE': 6.0}}
    """
    amounts: dict[str, dict[str, float]] = {}
    for pair in pairs:
        target, _, number = pair.partition("=")
        metric, colon, role = target.rpartition(":")
        try:
            value = float(number)
        except ValueError:
            value = None
        if not role.strip() or value is None:
            raise UsageError(Issue("an amount is written ROLE=AMOUNT or METRIC:ROLE=AMOUNT, e.g. AE=800000",
                                   path=option, value=pair))
        amounts.setdefault(metric.strip() if colon else metrics[0], {})[role.strip()] = value
    return amounts


def _start(dataset: Dataset, start: Month | str | None) -> Month:
    """The plan year's first month: given, or January of the year holding most deal months."""
    if isinstance(start, Month):
        return start
    if start is not None:
        try:
            return Period.parse(str(start)).first
        except ValueError:
            raise UsageError(Issue("a plan year starts at a month written YYYY-MM (or a year YYYY)",
                                   path="start", value=start)) from None
    months = _deal_months(dataset)
    if not len(months):
        raise UsageError(Issue("the data has no deals to set quotas from", source=dataset.table_file("deals")))
    years, counts = np.unique(months // 12, return_counts=True)
    best = years[np.flatnonzero(counts == counts.max())[-1]]  # the latest on a tie
    return Month.of(int(best), 1)


def _deal_months(dataset: Dataset) -> np.ndarray:
    """Distinct month ordinals with a deal."""
    dates = pd.to_datetime(dataset.deals["close_date"])
    return np.unique((dates.dt.year * 12 + dates.dt.month - 1).to_numpy(dtype="int64"))


def _window(dataset: Dataset, start: Month, history: str | None) -> tuple[Month, int]:
    """The history window: given, or the 12 months before the plan year when the data has deals
    in at least MIN_HISTORY_MONTHS of them, else the plan year itself."""
    if history is not None:
        try:
            period = Period.parse(history)
        except ValueError:
            raise UsageError(Issue("the history is a period written 2026, 2026-H2, 2026-Q4 or 2026-11",
                                   path="history", value=history)) from None
        return period.first, period.length
    before = Month(start.ordinal - PLAN_YEAR_MONTHS)
    months = _deal_months(dataset)
    if ((months >= before.ordinal) & (months < start.ordinal)).sum() >= MIN_HISTORY_MONTHS:
        return before, PLAN_YEAR_MONTHS
    return start, PLAN_YEAR_MONTHS


def _coverage(dataset: Dataset, first: Month, months: int) -> np.ndarray:
    """(months,) whether each month of the window lies within the span of the data's deals."""
    dealt = _deal_months(dataset)
    ordinals = first.ordinal + np.arange(months)
    if not len(dealt):
        return np.zeros(months, dtype=bool)
    return (ordinals >= dealt.min()) & (ordinals <= dealt.max())


def _annual(reps: pd.DataFrame, metric: str, annualized: np.ndarray, history_months: np.ndarray, method: str,
            growth: float, reach: float, amounts: Mapping[str, Mapping[str, float]] | None, notes: list[str]
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each rep's annual quota (reps,) and how it was set (reps,) text; a role without any
    history gets none, said in ``notes``."""
    roles = reps["role"].astype(str).to_numpy()
    role_names, role_of = np.unique(roles, return_inverse=True)
    own = (history_months >= MIN_HISTORY_MONTHS) & (annualized > 0)
    if method == "uniform":
        given = (amounts or {}).get(metric, {})
        missing = [role for role in role_names if role not in given]
        if missing:
            raise UsageError(Issue(f"give an amount for role(s) {', '.join(missing)} (e.g. "
                                   f"{missing[0]}=100000 for {metric})", path="amount", value=dict(given)))
        bad = {role: amount for role, amount in given.items() if not (math.isfinite(amount) and amount > 0)}
        if bad:
            raise UsageError(Issue("amounts are finite and above 0", path="amount", value=bad))
        per_role = np.array([float(given[role]) for role in role_names])
        return per_role[role_of], np.full(len(reps), "the role's amount", dtype=object)
    scaled = annualized * (1.0 + growth)
    per_role = np.zeros(len(role_names))
    how = np.empty(len(reps), dtype=object)
    for index, role in enumerate(role_names):  # one pass per role, each over arrays of reps
        members = role_of == index
        values = np.sort(scaled[members & own])[::-1]
        if not len(values):
            how[members] = "no history in the role"
            notes.append(f"no {role} rep has {MIN_HISTORY_MONTHS:g} months of {metric} history in the window: "
                         f"{role} reps get no {metric} quota (give --history, or --method uniform with --amount)")
        elif method == "trailing":
            per_role[index] = float(np.median(values))
            how[members] = np.where(own[members], "own history", "role median")
        else:
            k = math.ceil(reach * len(values) - 1e-9)  # 0.6 x 5 is 3.0000000000000004 in floats
            per_role[index] = float(values[k - 1])
            how[members] = f"best {k} of {len(values)} {role} reach it"
    if method == "trailing":
        return np.where(own, scaled, per_role[role_of]), how
    return per_role[role_of], how


def _weights(history: np.ndarray, first: Month, months: int, start: Month, spread: str) -> np.ndarray:
    """(12,) share of the annual quota in each month of the plan year."""
    if spread == "even":
        return np.full(PLAN_YEAR_MONTHS, 1.0 / PLAN_YEAR_MONTHS)
    if months != PLAN_YEAR_MONTHS:
        raise UsageError(Issue(f"a seasonal spread needs a history window of 12 months (got {months})",
                               path="spread", value=spread))
    by_month = history.sum(axis=0)  # (months,) all reps
    total = by_month.sum()
    if total <= 0:
        raise UsageError(Issue("a seasonal spread needs bookings in the history window", path="spread", value=spread))
    calendar = (first.ordinal + np.arange(months)) % 12  # calendar month of each window month
    share = np.zeros(12)
    np.add.at(share, calendar, by_month / total)
    return share[(start.ordinal + np.arange(PLAN_YEAR_MONTHS)) % 12]


def _ramp_factors(reps: pd.DataFrame, start: Month, ramp: Sequence[float]) -> np.ndarray:
    """(reps, 12) the ramp factor of each month: factor k in tenure month k, else 1."""
    factors = np.ones((len(reps), PLAN_YEAR_MONTHS))
    if not ramp:
        return factors
    hire = pd.to_datetime(reps["hire_date"])
    hired = hire.notna().to_numpy()
    hire_month = (hire.dt.year.fillna(0) * 12 + hire.dt.month.fillna(1) - 1).to_numpy(dtype="int64")
    tenure = start.ordinal + np.arange(PLAN_YEAR_MONTHS)[None, :] - hire_month[:, None] + 1  # (reps, 12)
    table = np.concatenate([[1.0], np.asarray(ramp, dtype="float64")])
    in_ramp = hired[:, None] & (tenure >= 1) & (tenure <= len(ramp))
    return np.where(in_ramp, table[np.clip(tenure, 0, len(ramp))], factors)


def _rows(reps: pd.DataFrame, metric: str, monthly: np.ndarray, start: Month) -> pd.DataFrame:
    """The quotas rows of one metric: one per rep and month with a quota above 0."""
    rep_index, month_index = np.nonzero(monthly > 0)
    labels = np.array([str(start + i) for i in range(PLAN_YEAR_MONTHS)])
    return pd.DataFrame({"rep_id": reps["rep_id"].to_numpy()[rep_index], "period": labels[month_index],
                         "metric": metric, "target": monthly[rep_index, month_index]})


def quota_figure(value: float) -> str:
    """A quota as shown in a summary: whole units for money, two decimals for small counts.

    >>> quota_figure(561466.667), quota_figure(2.5)
    ('561,467', '2.50')
    """
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def _markdown(frame: pd.DataFrame) -> str:
    """A table in Markdown, numbers to two decimals."""
    def cell(value: object) -> str:
        if isinstance(value, (float, np.floating)):
            return f"{value:,.2f}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
