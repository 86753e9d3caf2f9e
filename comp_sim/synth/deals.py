"""Synthetic deal rows: a seeded team (``model.py``) closing Poisson-many deals a month.

Each (rep, month, product, new-logo) cell draws its deal count; each deal gets a close date in
the rep's employed days of the month, a lognormal amount by product, a discount that grows with
the deal's size, an account (a fresh one for a new logo, else one of the rep's book), for a
share of full-period reps' deals a split with a teammate (two rows whose splits sum to 1), and
for a share of deals by product (``se_assist``) an overlay row crediting a sales engineer of the
seller's region with the whole deal.
Forecasts are monthly commits, ``bias x (w x actual + (1 - w) x expected)`` credited bookings;
MBO scores are quarterly. Everything is drawn in whole arrays; the same seed gives the same
tables and, written, the same bytes.

>>> data = synthesize(reps=12, months=12, seed=3)
>>> revenue = data.deals[data.deals["credit_type"] == "revenue"]
>>> sorted(data.reps["role"].unique().tolist()), bool(revenue.groupby("deal_id")["split"].sum().le(1).all())
(['AE', 'AM', 'Hunter', 'Manager', 'SE'], True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from comp_sim.data.dataset import Dataset
from comp_sim.errors import Issue, UsageError
from comp_sim.periods import Month, month_ordinals
from comp_sim.synth.model import SynthConfig, Team, build_team

def team_and_deal_rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent streams for the roster and for its deals: ``synthesize`` and the
    Monte-Carlo trials of the same seed share the roster."""
    roster_seed, deal_seed = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(roster_seed), np.random.default_rng(deal_seed)


def as_month(start: str | Month) -> Month:
    if isinstance(start, Month):
        return start
    try:
        return Month.parse(start)
    except ValueError as exc:
        raise UsageError(Issue(str(exc), path="start", value=start)) from None


def synthesize(reps: int = 80, months: int = 12, seed: int = 0, *, start: str | Month = "2026-01",
               config: SynthConfig | None = None) -> Dataset:
    """A synthetic dataset: reps, quarterly quotas, deals, monthly forecasts, quarterly MBO."""
    if reps < 1 or months < 1:
        raise UsageError(Issue("reps and months must be at least 1", path="reps" if reps < 1 else "months",
                               value=reps if reps < 1 else months))
    team_rng, deal_rng = team_and_deal_rngs(seed)
    team = build_team(reps, months, team_rng, as_month(start), config)
    deals = draw_deals(team, deal_rng)
    return Dataset.from_frames(
        team.reps, deals, team.quotas(), forecasts(team, deals), mbo_scores(team, deal_rng),
        source=f"synthetic ({reps} reps, seed {seed})",
    )


def draw_deals(team: Team, rng: np.random.Generator) -> pd.DataFrame:
    """Deal rows (one per credited rep) for a team; see the module docstring for the model."""
    config = team.config
    reps, months, products, _ = team.own_rate.shape
    counts = rng.poisson(team.own_rate).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    rep, month, product, new_logo = np.unravel_index(cell, team.own_rate.shape)
    n = cell.size

    close = _close_dates(team, rep, month, rng.random(n))
    median = np.asarray(config.deal_size_median)[product] * np.where(new_logo == 1, config.new_logo_size_factor, 1.0)
    log_size = rng.standard_normal(n) * np.asarray(config.deal_size_sigma)[product]
    amount = np.round(median * np.exp(log_size))
    discount = np.clip(team.discount_tendency[rep] + config.discount_slope * log_size
                       + config.discount_noise * rng.standard_normal(n), 0.0, config.discount_max)
    account = _accounts(team, rep, new_logo == 1, rng.random(n))

    split_draw = rng.random(n)
    partner = _partners(team, rep, rng.random(n))
    is_split = (split_draw < config.split_share) & team.split_eligible[rep] & (partner >= 0)
    owner_share = np.asarray(config.split_values)[rng.integers(0, len(config.split_values), n)]

    order = np.lexsort((cell, close))  # by close date, then rep/product (stable, seed-determined)
    width = max(6, len(str(n)))
    deal_id = _ids("D", np.argsort(order), width)
    rep_ids = team.reps["rep_id"].to_numpy()
    own = pd.DataFrame({
        "deal_id": deal_id, "rep_id": rep_ids[rep], "close_date": close, "amount": amount,
        "product": np.asarray(config.products)[product], "account_id": account,
        "new_logo": new_logo == 1, "discount": np.round(discount, 3),
        "split": np.where(is_split, owner_share, 1.0),
    })
    shared = own[is_split].assign(rep_id=rep_ids[partner[is_split]],
                                  split=np.round(1.0 - owner_share[is_split], 10))
    engineer = _engineers(team, rep, close, product, rng.random(n), rng.random(n))
    overlay = own[engineer >= 0].assign(rep_id=rep_ids[engineer[engineer >= 0]], split=1.0, credit_type="overlay")
    deals = pd.concat([own.assign(credit_type="revenue"), shared.assign(credit_type="revenue"), overlay],
                      ignore_index=True)
    deals["_owner"] = np.r_[np.zeros(n, dtype=int), np.ones(len(shared), dtype=int), np.full(len(overlay), 2)]
    deals = deals.sort_values(["close_date", "deal_id", "_owner"], kind="stable").drop(columns="_owner")
    return deals.reset_index(drop=True)


def _close_dates(team: Team, rep: np.ndarray, month: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """A day of the rep's employed days in the deal's month, uniformly."""
    first = np.array([np.datetime64((team.first_month + m).first_day, "D") for m in range(team.months)])
    days = np.array([(team.first_month + m).days for m in range(team.months)])
    hire = team.reps["hire_date"].to_numpy().astype("datetime64[D]")
    end = team.reps["end_date"].to_numpy().astype("datetime64[D]")
    lo = np.maximum(first[month], np.where(np.isnat(hire[rep]), first[month], hire[rep]))
    month_end = first[month] + (days[month] - 1).astype("timedelta64[D]")
    hi = np.minimum(month_end, np.where(np.isnat(end[rep]), month_end, end[rep]))
    span = (hi - lo).astype("int64") + 1
    return lo + np.floor(uniform * span).astype("int64").astype("timedelta64[D]")


def _accounts(team: Team, rep: np.ndarray, new_logo: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """A new logo opens a fresh account; other deals go to one of the rep's book of accounts."""
    book = np.array([team.config.account_book[r] for r in team.reps["role"]])
    book_start = np.cumsum(book) - book
    existing = book_start[rep] + np.floor(uniform * book[rep]).astype(int)
    fresh = book.sum() + np.cumsum(new_logo) - 1
    number = np.where(new_logo, fresh, existing)
    return _ids("A", number, max(5, len(str(int(number.max(initial=0)) + 1))))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + the 1-based number, zero-padded: ``_ids("D", [0, 9], 3)`` is D001, D010."""
    return np.strings.add(prefix, np.strings.zfill((np.asarray(numbers) + 1).astype(str), width)).astype(object)


def _partners(team: Team, rep: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """A teammate (uniformly among the team's other split-eligible reps) per deal; -1 when none."""
    teams = team.reps["team"].to_numpy().astype(str)
    eligible = np.flatnonzero(team.split_eligible)
    if eligible.size < 2:
        return np.full(rep.size, -1)
    by_team = eligible[np.argsort(teams[eligible], kind="stable")]
    codes, first, size = np.unique(teams[by_team], return_index=True, return_counts=True)
    slot = np.full(len(teams), -1)
    slot[by_team] = np.arange(by_team.size)
    team_of = np.searchsorted(codes, teams[rep])
    team_of = np.minimum(team_of, len(codes) - 1)
    known = (codes[team_of] == teams[rep]) & (slot[rep] >= 0)
    others = np.maximum(size[team_of] - 1, 1)
    pick = np.floor(uniform * others).astype(int)
    own_slot = slot[rep] - first[team_of]
    pick = first[team_of] + pick + (pick >= own_slot)
    return np.where(known & (size[team_of] >= 2), by_team[np.minimum(pick, by_team.size - 1)], -1)


def _engineers(team: Team, rep: np.ndarray, close: np.ndarray, product: np.ndarray, join: np.ndarray,
               pick: np.ndarray) -> np.ndarray:
    """The SE who joins each deal (-1 for none): a deal is joined with ``se_assist[product]``,
    by an SE of the seller's region employed on the close date, picked uniformly among them."""
    reps = team.reps
    roles, region = reps["role"].to_numpy(), reps["region"].to_numpy()
    hire = reps["hire_date"].to_numpy().astype("datetime64[D]")
    end = reps["end_date"].to_numpy().astype("datetime64[D]")
    out = np.full(rep.size, -1)
    joined = join < np.asarray(team.config.se_assist)[product]
    for name in np.unique(region[roles == "SE"]):
        engineers = np.flatnonzero((roles == "SE") & (region == name))
        deals = np.flatnonzero(joined & (region[rep] == name))
        day = close[deals].astype("datetime64[D]")[:, None]
        at_work = (hire[engineers][None, :] <= day) & (np.isnat(end[engineers])[None, :] | (day <= end[engineers][None, :]))
        available = at_work.sum(axis=1)
        choice = np.floor(pick[deals] * np.maximum(available, 1)).astype(int)  # the choice-th SE at work
        rank = np.cumsum(at_work, axis=1) - 1
        hit = at_work & (rank == choice[:, None])
        found = hit.any(axis=1)
        out[deals[found]] = engineers[hit[found].argmax(axis=1)]
    return out


def forecasts(team: Team, deals: pd.DataFrame) -> pd.DataFrame:
    """Monthly commits while employed, of reps who book: bias x (w x actual + (1 - w) x
    expected) credited bookings, rounded to 100."""
    expected = team.expected_bookings()  # (reps, months)
    actual = _monthly_credited(team, deals)
    weight = team.config.forecast_weight
    value = team.forecast_bias[:, None] * (weight * actual + (1 - weight) * expected)
    rep_pos, month_pos = np.nonzero((team.employed > 0) & (expected.sum(axis=1) > 0)[:, None])
    labels = np.array([str(team.first_month + m) for m in range(team.months)])
    return pd.DataFrame({
        "rep_id": team.reps["rep_id"].to_numpy()[rep_pos],
        "period": labels[month_pos],
        "forecast": np.round(value[rep_pos, month_pos], -2),
    })


def _monthly_credited(team: Team, deals: pd.DataFrame) -> np.ndarray:
    rep_pos = pd.Index(team.reps["rep_id"]).get_indexer(deals["rep_id"])
    month_pos = month_ordinals(deals["close_date"]) - team.first_month.ordinal
    shape = (len(team.reps), team.months)
    credited = deals["amount"].to_numpy() * deals["split"].to_numpy()
    return np.bincount(rep_pos * team.months + month_pos, weights=credited,
                       minlength=shape[0] * shape[1]).reshape(shape)


def mbo_scores(team: Team, rng: np.random.Generator) -> pd.DataFrame:
    """Quarterly MBO scores while employed: the rep's level plus noise, clipped to 0..1."""
    labels, _, active = team.employed_quarters()
    score = np.clip(team.mbo_mean[:, None] + team.config.mbo_quarter_sd * rng.standard_normal(active.shape), 0.0, 1.0)
    rep_pos, quarter_pos = np.nonzero(active > 0)
    return pd.DataFrame({
        "rep_id": team.reps["rep_id"].to_numpy()[rep_pos],
        "period": np.asarray(labels)[quarter_pos],
        "score": np.round(score[rep_pos, quarter_pos], 2),
    })
