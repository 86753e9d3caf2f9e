"""The metric vocabulary of a plan: built-in metrics, plan metrics and ``target.NAME``.

Each metric has a kind that says what it can feed:

- ``money``: an additive amount (bookings); a commission basis.
- ``count``: an additive count of deals; what a SPIFF pays per unit of.
- ``ratio``: anything computed from other metrics over a window (attainment, a mix).

>>> BUILTIN_METRICS["attainment"].kind
'ratio'
>>> split_target("target.new_logos")
'new_logos'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["money", "count", "ratio", "score"]
TARGET_PREFIX = "target."


@dataclass(frozen=True)
class BuiltinMetric:
    name: str
    kind: MetricKind
    description: str


BUILTIN_METRICS: dict[str, BuiltinMetric] = {
    m.name: m
    for m in [
        BuiltinMetric("bookings", "money", "sum of credited deal amounts (amount x split)"),
        BuiltinMetric("quota", "money", "the target for bookings (same as target.bookings)"),
        BuiltinMetric("attainment", "ratio", "bookings / quota"),
        BuiltinMetric("deals", "count", "number of deals credited to the rep (split > 0)"),
        BuiltinMetric("new_logos", "count", "number of new-logo deals credited to the rep"),
        BuiltinMetric("new_logo_bookings", "money", "credited amount of new-logo deals"),
        BuiltinMetric("forecast", "money", "the commit the rep submitted for the window"),
        BuiltinMetric(
            "forecast_accuracy",
            "ratio",
            "max(0, 1 - |bookings - forecast| / forecast); with forecast 0: 1 if bookings is 0 else 0",
        ),
        BuiltinMetric(
            "avg_discount", "ratio", "amount-weighted mean discount of credited deals (0 with none)"
        ),
        BuiltinMetric("mbo", "score", "mean MBO score over the window (0 with no score)"),
    ]
}

# Additive built-ins that can have a target row in the quotas file (``target.NAME``).
TARGETABLE_BUILTINS = ("bookings", "deals", "new_logos", "new_logo_bookings")


def split_target(name: str) -> str | None:
    """The metric a ``target.NAME`` reference is the target of, or None for other names."""
    if name.startswith(TARGET_PREFIX):
        return name[len(TARGET_PREFIX) :]
    return None
