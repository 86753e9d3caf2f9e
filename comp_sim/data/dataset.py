"""A loaded dataset: the five tables of SPEC "Data", with normalized columns and types.

Normalized columns (what every consumer may rely on):

- ``reps``: rep_id (str), name (str, defaults to rep_id), role (str), team, region, manager_id
  (str or NA), hire_date, end_date (datetime64, NaT when open), base_salary, target_incentive
  (float, NaN when the role default applies).
- ``quotas``: rep_id, period (canonical text: ``2027-03``, ``2027-Q1``, ``2027-H1``, ``2027``),
  metric (str, default ``bookings``), target (float).
- ``deals``: deal_id, rep_id, close_date (datetime64), amount (float), product, account_id (str
  or NA), new_logo (bool), discount (float, default 0), split (float, default 1), credit_type
  (``revenue`` or ``overlay``, default revenue), currency (an ISO code or NA, one for all deals),
  plus any other columns of the file as loaded (plan metrics may filter or add them up). Where a deal has no new_logo flag, it is new-logo
  when it is its account's first closed deal in the data; deals closed before a
  ``history_before`` date only serve that history and are then left out.
- ``forecasts``: rep_id, period, forecast (float). ``mbo``: rep_id, period, score (float).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import datetime as dt

import numpy as np
import pandas as pd

from comp_sim.data.cube import Cube, build_cube
from comp_sim.periods import Month, Period, days_employed, month_days, month_ordinals

TABLES = ("reps", "quotas", "deals", "forecasts", "mbo")

COLUMNS: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id", "name", "role", "team", "region", "manager_id", "hire_date", "end_date", "base_salary",
             "target_incentive"),
    "quotas": ("rep_id", "period", "metric", "target"),
    "deals": ("deal_id", "rep_id", "close_date", "amount", "product", "account_id", "new_logo", "discount", "split",
              "credit_type", "currency"),
    "forecasts": ("rep_id", "period", "forecast"),
    "mbo": ("rep_id", "period", "score"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "reps": ("rep_id", "role"),
    "quotas": ("rep_id", "period", "target"),
    "deals": ("deal_id", "rep_id", "close_date", "amount"),
    "forecasts": ("rep_id", "period", "forecast"),
    "mbo": ("rep_id", "period", "score"),
}
TEXT = {"rep_id", "name", "role", "team", "region", "manager_id", "deal_id", "product", "account_id", "metric",
        "period", "credit_type", "currency"}
CREDIT_TYPES = ("revenue", "overlay")  # revenue credits of a deal share it; overlay credits come on top
DATES = {"hire_date", "end_date", "close_date"}
NUMBERS = {"base_salary", "target_incentive", "target", "amount", "discount", "split", "forecast", "score"}
_DEFAULTS = {"metric": "bookings", "discount": 0.0, "split": 1.0, "credit_type": "revenue"}


@dataclass(frozen=True)
class Dataset:
    """The tables a run reads, already validated and normalized."""

    reps: pd.DataFrame
    quotas: pd.DataFrame
    deals: pd.DataFrame
    forecasts: pd.DataFrame
    mbo: pd.DataFrame
    source: str = "<data>"
    files: Mapping[str, str] = field(default_factory=dict)  # table -> file it was read from
    warnings: tuple[str, ...] = ()
    given: frozenset[str] = frozenset(TABLES)  # the tables the data has (others are empty stand-ins)
    # The month the account history starts in when some deal's new_logo was derived from it
    # (None when every deal gives its flag): what a plan year's new logos are only as good as.
    account_history: Month | None = None

    @classmethod
    def from_frames(cls, reps: pd.DataFrame, deals: pd.DataFrame | None = None,
                    quotas: pd.DataFrame | None = None, forecasts: pd.DataFrame | None = None,
                    mbo: pd.DataFrame | None = None, *, source: str = "<data>",
                    files: Mapping[str, str] | None = None, warnings: tuple[str, ...] = (),
                    history_before: dt.date | None = None) -> Dataset:
        """Normalize tables that are already valid (types, defaults, derived new_logo); a table
        given as None is one the data does not have (``given`` says which it has); deals closed
        before ``history_before`` only seed the account history, then are left out."""
        frames = {"reps": reps, "deals": deals, "quotas": quotas, "forecasts": forecasts, "mbo": mbo}
        tables = {name: normalize(name, frame) for name, frame in frames.items()}
        if "name" in tables["reps"]:
            tables["reps"]["name"] = tables["reps"]["name"].fillna(tables["reps"]["rep_id"])
        history = _history_start(frames["deals"], tables["deals"])
        if history_before is not None:
            tables["deals"], dropped = _after(tables["deals"], history_before)
            label = files.get("deals", "the deals") if files else "the deals"
            warnings = (*warnings, f"{label}: {dropped:,} deal row(s) closed before {history_before} only "
                                   "seed the account history (history_before) and are not deals of the run")
        given = frozenset(name for name, frame in frames.items() if frame is not None)
        return cls(**tables, source=source, files=dict(files or {}), warnings=warnings, given=given,
                   account_history=history)

    def table_file(self, table: str) -> str:
        return self.files.get(table, f"{self.source}/{table}")

    def months_covered(self) -> list[Month]:
        """Calendar months with a deal closed or a quota period, sorted (empty when neither)."""
        months: set[int] = set()
        if len(self.deals):
            months |= set(month_ordinals(self.deals["close_date"]).tolist())
        for label in self.quotas["period"].astype(str).unique():
            months |= {m.ordinal for m in Period.parse(label).months}
        return [Month(m) for m in sorted(months)]

    def idle_sellers(self) -> np.ndarray:
        """(reps,) bool: reps no deal of the data credits who manage nobody either (a manager
        sells through the team, so a manager without deals is not idle)."""
        credited = self.deals.loc[self.deals["split"] > 0, "rep_id"]
        manages = self.reps["rep_id"].isin(self.reps["manager_id"].dropna())
        return (~self.reps["rep_id"].isin(credited) & ~manages).to_numpy(dtype=bool)

    def cube(self, deal_measures, target_metrics, first_month: Month, months: int) -> Cube:
        """The one-trial measures cube of the months [first_month, first_month + months)."""
        return build_cube(
            self.reps, self.deals, self.quotas, self.forecasts, self.mbo,
            deal_measures=deal_measures, target_metrics=target_metrics,
            first_month=first_month, months=months, deals_source=self.table_file("deals"),
        )


def employed_share(reps: pd.DataFrame, first: Month, months: int) -> np.ndarray:
    """(reps, months) the share of each month's days each rep is employed (hire to end date)."""
    hire = pd.to_datetime(reps["hire_date"]).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(reps["end_date"]).to_numpy().astype("datetime64[D]")
    return days_employed(first, months, hire, end) / month_days(first, months)[None, :]


def _history_start(given: pd.DataFrame | None, deals: pd.DataFrame) -> Month | None:
    """The first month of the deals when some deal's new_logo flag is derived from them."""
    flags = given["new_logo"] if given is not None and "new_logo" in given else None
    derived = len(deals) > 0 and (flags is None or bool(flags.isna().any()))
    dates = deals["close_date"].dropna()
    if not derived or dates.empty:
        return None
    first = dates.min()
    return Month.of(first.year, first.month)


def _after(deals: pd.DataFrame, cutoff: dt.date) -> tuple[pd.DataFrame, int]:
    """The deals closed on or after ``cutoff``, and how many closed before it."""
    before = (deals["close_date"] < pd.Timestamp(cutoff)).to_numpy(dtype=bool)
    return deals.loc[~before].reset_index(drop=True), int(before.sum())


def normalize(table: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """A table with every SPEC column present, in its type, defaults filled."""
    frame = pd.DataFrame(columns=list(REQUIRED[table])) if frame is None else frame.copy()
    frame = frame.reset_index(drop=True)
    for column in COLUMNS[table]:
        if column not in frame:
            frame[column] = _DEFAULTS.get(column, pd.NA if column not in ("new_logo",) else None)
        if column in TEXT:
            frame[column] = text_values(frame[column])
        elif column in DATES:
            frame[column] = pd.to_datetime(frame[column], errors="coerce").astype("datetime64[ns]")
        elif column in NUMBERS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column, default in _DEFAULTS.items():
        if column in frame:
            frame[column] = frame[column].fillna(default)
    if "period" in frame:
        labels = frame["period"]
        canonical = {label: str(Period.parse(label)) for label in labels.dropna().unique()}
        frame["period"] = labels.map(canonical).astype("string")
    if table == "deals":
        frame["new_logo"] = _new_logo(frame)
        frame["credit_type"] = frame["credit_type"].str.lower()
        frame["currency"] = frame["currency"].str.upper()
    return frame


def text_values(values: pd.Series) -> pd.Series:
    """Values as stripped text, NA where missing; a whole float is written as an integer
    (``101.0`` -> ``"101"``, as spreadsheets store ids). Converts each distinct value once.

    >>> text_values(pd.Series([101.0, " AE ", None], dtype=object)).tolist()
    ['101', 'AE', <NA>]
    """
    if isinstance(values.dtype, pd.StringDtype) or pd.api.types.is_integer_dtype(values.dtype) \
            or pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("string").str.strip()

    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return pd.NA
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = pd.array([one(value) for value in uniques], dtype="string")
    return pd.Series(texts.take(codes, allow_fill=True), index=values.index, dtype="string")


def _new_logo(deals: pd.DataFrame) -> pd.Series:
    """The given flag where present; otherwise a deal is new-logo when it is its account's first
    closed deal in the data (every credit row of that deal counts as new-logo)."""
    given = deals["new_logo"]
    if given.notna().all() and len(given):
        return given.astype(bool)
    derived = np.zeros(len(deals), dtype=bool)
    accounts, _ = pd.factorize(deals["account_id"], use_na_sentinel=True)
    has_account = accounts >= 0
    if has_account.any():
        # first = earliest close_date, then lowest deal_id; found without sorting every deal
        dates = deals["close_date"].to_numpy(dtype="datetime64[ns]").view("int64")
        dates = np.where(dates == np.iinfo("int64").min, np.iinfo("int64").max, dates)  # NaT last
        earliest = pd.Series(dates[has_account]).groupby(accounts[has_account]).transform("min").to_numpy()
        on_first_day = np.flatnonzero(has_account)[dates[has_account] == earliest]
        ids = deals["deal_id"].iloc[on_first_day].reset_index(drop=True)
        first_id = ids.groupby(accounts[on_first_day]).transform("min")
        derived[on_first_day] = (ids == first_id).fillna(False).to_numpy(dtype=bool)
    return given.astype("boolean").fillna(pd.Series(derived, index=deals.index)).astype(bool)
