"""Errors a user can act on: every issue names the file, the place in it, the value and the rule.

>>> str(Issue("x values must increase", source="plans/x.yaml", line=14, column=5,
...           path="components[1].curve.points", value=1.0))
'plans/x.yaml:14:5: components[1].curve.points: x values must increase (got 1.0)'
>>> str(Issue("not a number", source="deals.csv", line=3, path="amount", value="abc"))
"deals.csv:3: amount: not a number (got 'abc')"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class _NoValue:
    """No value given (``None`` is a value); one object, kept one when pickled to a worker."""

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __reduce__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()
MAX_REPORTED = 50


@dataclass(frozen=True)
class Issue:
    """One broken rule at one place: ``file:line:col: path: rule (got value)``."""

    message: str
    source: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    value: Any = field(default=NO_VALUE, compare=False)

    @property
    def location(self) -> str:
        parts = [self.source or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = self.location
        if self.path:
            text += f": {self.path}"
        text += f": {self.message}"
        if self.value is not NO_VALUE and not _mentions(self.message, self.value):
            text += f" (got {_show(self.value)})"
        return text


def _mentions(message: str, value: Any) -> bool:
    """Whether the rule's text already quotes the value, so that it is not said twice."""
    if isinstance(value, str):
        return f"'{value}'" in message
    if isinstance(value, float):
        return f"{value:g}" in message
    return False


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, for a "did you mean": case and spacing are ignored
    here, never when values are matched. Same spelling first, then one inside the other, then
    similar spellings.

    >>> closest("won", ["Closed Won", "Lost", "WON ", "Open"])
    ['WON ', 'Closed Won']
    >>> closest("Pro X", ["ProX", "Core"])
    ['ProX']
    """
    def key(text: str) -> str:
        return "".join(str(text).split()).casefold()

    wanted = key(word)
    by_key: dict[str, list[str]] = {}
    for candidate in candidates:
        by_key.setdefault(key(candidate), []).append(str(candidate))
    if not wanted:
        return []
    keys = [k for k in by_key if k]
    ordered = [k for k in keys if k == wanted]
    ordered += [k for k in keys if k != wanted and (wanted in k or k in wanted)]
    ordered += difflib.get_close_matches(wanted, keys, n=n, cutoff=0.6)
    found = [value for k in dict.fromkeys(ordered) for value in by_key[k]]
    return list(dict.fromkeys(found))[:n]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or nothing.

    >>> did_you_mean("amnt", ["deal_id", "amount"])
    "; did you mean 'amount'?"
    """
    found = closest(word, candidates, n=1)
    return f"; did you mean '{found[0]}'?" if found else ""


class CompSimError(Exception):
    """Bad input, reported as every issue found (the first 50, then a count)."""

    kind = "input"

    def __init__(self, issues: list[Issue] | Issue | str, total: int | None = None):
        """``total``: how many issues were found when only the first ones are given."""
        if isinstance(issues, str):
            issues = [Issue(issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: list[Issue] = list(issues)
        self.total = max(total or 0, len(self.issues))
        super().__init__(self.render())

    def __reduce__(self) -> tuple:
        """Pickled with its issues (a chunk run on a Dask worker reports them as they are)."""
        return type(self), (self.issues, self.total)

    @property
    def shown(self) -> list[Issue]:
        """The issues reported one by one: the first 50."""
        return self.issues[:MAX_REPORTED]

    @property
    def hidden(self) -> int:
        """How many issues are counted but not shown: ``total`` minus those shown."""
        return self.total - len(self.shown)

    def render(self) -> str:
        lines = [str(issue) for issue in self.shown]
        if self.hidden > 0:
            lines.append(f"... and {self.hidden} more {self.kind} error(s)")
        return "\n".join(lines)


class PlanError(CompSimError):
    """A plan file breaks a rule of the plan language."""

    kind = "plan"


class DataError(CompSimError):
    """A data file (reps, quotas, deals, forecasts, mbo) breaks a rule of the data format."""

    kind = "data"


class UsageError(CompSimError):
    """An interface was called with arguments that cannot work (unknown rep, trials <= 0, ...)."""

    kind = "usage"
