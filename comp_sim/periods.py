"""Months, calendar periods and plan windows as values, parsed in exactly one place.

A month is stored as an ordinal (``year * 12 + month - 1``) so that arrays of months are plain
integers and month arithmetic is addition.

>>> Month.parse("2027-02") + 11
Month('2028-01')
>>> Period.parse("2027-Q2").months
(Month('2027-04'), Month('2027-05'), Month('2027-06'))
>>> [w.label for w in plan_windows(Month.parse("2027-02"), "quarter")]
['FY2027-Q1', 'FY2027-Q2', 'FY2027-Q3', 'FY2027-Q4']
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Measure = Literal["month", "quarter", "half", "year"]
MONTHS_PER: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}
PLAN_YEAR_MONTHS = 12

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; ``ordinal`` is ``year * 12 + month - 1``."""

    ordinal: int

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        return cls(year * 12 + month - 1)

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; raises ValueError with the rule otherwise."""
        match = _MONTH_RE.match(str(text).strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"a month is written YYYY-MM, e.g. 2027-01 (got {text!r})")
        return cls.of(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of_date(cls, day: dt.date) -> Month:
        return cls.of(day.year, day.month)

    @property
    def year(self) -> int:
        return self.ordinal // 12

    @property
    def month(self) -> int:
        return self.ordinal % 12 + 1

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def __add__(self, months: int) -> Month:
        return Month(self.ordinal + months)

    def __sub__(self, other: Month) -> int:
        return self.ordinal - other.ordinal

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month('{self}')"


@dataclass(frozen=True)
class Period:
    """A calendar period as written in data files: ``2027-03``, ``2027-Q1``, ``2027-H1``, ``2027``."""

    first: Month
    length: int

    @classmethod
    def parse(cls, text: object) -> Period:
        raw = str(text).strip().upper()
        if isinstance(text, float) and text.is_integer():
            raw = str(int(text))
        match = _PERIOD_RE.match(raw)
        if not match:
            raise ValueError(
                f"a period is written 2027-03, 2027-Q1, 2027-H1 or 2027 (got {text!r})"
            )
        year, month, quarter, half = match.groups()
        if month is not None:
            if not 1 <= int(month) <= 12:
                raise ValueError(f"month must be 01..12 (got {text!r})")
            return cls(Month.of(int(year), int(month)), 1)
        if quarter is not None:
            return cls(Month.of(int(year), 3 * int(quarter) - 2), 3)
        if half is not None:
            return cls(Month.of(int(year), 6 * int(half) - 5), 6)
        return cls(Month.of(int(year), 1), 12)

    @property
    def months(self) -> tuple[Month, ...]:
        return tuple(self.first + i for i in range(self.length))

    def __str__(self) -> str:
        """The canonical label: ``2027-03``, ``2027-Q1``, ``2027-H1`` or ``2027``.

        >>> str(Period.parse("2027-q3")), str(Period.parse(2027))
        ('2027-Q3', '2027')
        """
        first = self.first
        if self.length == 3:
            return f"{first.year}-Q{(first.month + 2) // 3}"
        if self.length == 6:
            return f"{first.year}-H{(first.month + 5) // 6}"
        if self.length == 12:
            return str(first.year)
        return str(first)


@dataclass(frozen=True)
class Window:
    """A measurement window of a plan year: months ``[first, last]`` as offsets from the plan start."""

    label: str
    first: int
    last: int

    @property
    def months(self) -> int:
        return self.last - self.first + 1


def plan_windows(start: Month, measure: Measure) -> list[Window]:
    """The windows of one plan year for a ``measure`` grain, labelled as a reader expects.

    Months keep their calendar label; coarser windows are ``2027-Q1`` when the plan year is the
    calendar year and ``FY2027-Q1`` (named for the plan's first month) otherwise.

    >>> [w.label for w in plan_windows(Month.parse("2027-01"), "half")]
    ['2027-H1', '2027-H2']
    >>> plan_windows(Month.parse("2027-01"), "month")[2]
    Window(label='2027-03', first=2, last=2)
    """
    size = MONTHS_PER[measure]
    prefix = f"{start.year}" if start.month == 1 else f"FY{start.year}"
    suffix = {"quarter": "-Q{}", "half": "-H{}", "year": ""}
    windows = []
    for index, first in enumerate(range(0, PLAN_YEAR_MONTHS, size)):
        if measure == "month":
            label = str(start + first)
        else:
            label = prefix + suffix[measure].format(index + 1)
        windows.append(Window(label, first, first + size - 1))
    return windows


def days_employed(
    first: Month, months: int, hire: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Days each rep is employed in each month, hire and end days included.

    ``hire`` and ``end`` are ``datetime64[D]`` arrays shaped (reps,), NaT for open-ended.
    Returns float64 (reps, months).

    >>> hire = np.array(["2027-02-15"], dtype="datetime64[D]")
    >>> end = np.array(["NaT"], dtype="datetime64[D]")
    >>> days_employed(Month.parse("2027-01"), 3, hire, end).tolist()
    [[0.0, 14.0, 31.0]]
    """
    month_starts = np.array(
        [(first + i).first_day for i in range(months)], dtype="datetime64[D]"
    )
    month_ends = month_starts + np.array([(first + i).days - 1 for i in range(months)])
    hire = np.where(np.isnat(hire), month_starts[0], hire)
    end = np.where(np.isnat(end), month_ends[-1], end)
    lo = np.maximum(month_starts[None, :], hire[:, None])
    hi = np.minimum(month_ends[None, :], end[:, None])
    return np.maximum((hi - lo).astype("int64") + 1, 0).astype("float64")


def month_ordinals(dates: object) -> np.ndarray:
    """The month ordinal (``year * 12 + month - 1``) of each date, int64 (dates,): the one
    place dates become months. Subtract a ``Month.ordinal`` for offsets in a plan year.

    >>> month_ordinals(pd.Series(pd.to_datetime(["2027-01-31", "2027-12-01"]))) - Month.parse("2027-01").ordinal
    array([ 0, 11])
    """
    values = pd.DatetimeIndex(pd.to_datetime(dates))
    return values.year.to_numpy(dtype="int64") * 12 + values.month.to_numpy(dtype="int64") - 1


def month_days(first: Month, months: int) -> np.ndarray:
    """Calendar days of each month, float64 (months,)."""
    return np.array([(first + i).days for i in range(months)], dtype="float64")
