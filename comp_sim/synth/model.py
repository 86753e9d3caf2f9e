"""The synthetic sales team: a roster of reps and the rates their deals arrive at.

A rep has a latent capability (lognormal, median 1). Deals arrive per month as a Poisson
process at ``deals_per_month[role] x capability x seasonality x employed share of the month x
ramp``, split over products (``product_mix[role]``) and new-logo or existing accounts
(``new_logo_share[role]``); sizes are lognormal by product. A new hire sells at ``ramp`` of their
rate in their first tenure months. Quotas are the expected credited bookings at full
productivity times ``quota_factor`` and a per-rep lognormal noise (managers see capability only
roughly); a plan's ``ramp`` is what scales them down for new hires.

The org: sellers (AE, Hunter, AM) and sales engineers (SE) report to a manager of their region,
managers to a director. Managers and the director do not sell (their plans read their teams).
A sales engineer of the seller's region joins a share of the seller's deals (``se_assist`` by
product) and is credited the whole deal on top, as overlay credit; an SE's quota is set on that
credit. The deal generator (``deals.py``) and the Monte-Carlo trials (``trials.py``) read the
same ``Team``, so both describe one model (in the trials an SE's credits are drawn at the rate
the model gives them, not deal by deal with the sellers').

Arrays are float64 shaped (reps, months, products, 2) for rates, the last axis being
new-logo (index 1) or not (index 0); ``products`` follow ``SynthConfig.products``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from comp_sim.periods import Month, days_employed, month_days

ROLES = ("AE", "Hunter", "AM")  # the roles that sell
ORG_ROLES = ("SE", "Manager", "Director")
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
               "Drew", "Robin", "Kai", "Noa", "Eli", "Maya", "Leo", "Iris", "Omar", "Lena")
LAST_NAMES = ("Garcia", "Smith", "Chen", "Novak", "Okafor", "Schmidt", "Rossi", "Tanaka", "Dubois", "Silva",
              "Kowalski", "Patel", "Jensen", "Murphy", "Haddad", "Ivanova", "Costa", "Nakamura", "Berg", "Lopez")


@dataclass(frozen=True)
class SynthConfig:
    """The documented parameters of the synthetic team; the defaults are calibrated so that
    50-70% of reps finish the year at or above annual quota (``tests/synth`` checks it)."""

    role_shares: dict[str, float] = field(default_factory=lambda: {"AE": 0.55, "Hunter": 0.18, "AM": 0.18,
                                                                   "SE": 0.09})
    reps_per_manager: int = 12  # managers, one per this many sellers and SEs (at least 8 reps for one)
    managers_per_director: int = 10  # directors, one per this many managers (from two managers on)
    se_assist: tuple[float, ...] = (0.6, 0.5, 0.15, 0.0)  # by product: share of deals an SE joins
    ramp: tuple[float, ...] = (0.25, 0.5, 0.75)  # a new hire's productivity in tenure months 1, 2, ...
    strategic_sigma: float = 0.6  # log-sd of a rep's tilt towards the strategic products (the first two)
    new_logo_sigma: float = 0.6  # log-sd of a rep's tilt towards new logos
    regions: dict[str, float] = field(default_factory=lambda: {"Americas": 0.5, "EMEA": 0.3, "APAC": 0.2})
    capability_sigma: float = 0.35  # log-sd of latent capability (median 1)
    deals_per_month: dict[str, float] = field(default_factory=lambda: {"AE": 4.0, "Hunter": 1.5, "AM": 5.0, "SE": 0.0,
                                                                       "Manager": 0.0, "Director": 0.0})
    new_logo_share: dict[str, float] = field(default_factory=lambda: {"AE": 0.12, "Hunter": 0.6, "AM": 0.03, "SE": 0.0,
                                                                      "Manager": 0.0, "Director": 0.0})
    products: tuple[str, ...] = ("Platform", "Analytics", "Core", "Services")  # Platform, Analytics: strategic
    product_mix: dict[str, tuple[float, ...]] = field(default_factory=lambda: {
        "AE": (0.1, 0.1, 0.45, 0.35), "Hunter": (0.15, 0.15, 0.45, 0.25), "AM": (0.12, 0.13, 0.4, 0.35),
        "SE": (0.25, 0.25, 0.25, 0.25), "Manager": (0.25, 0.25, 0.25, 0.25), "Director": (0.25, 0.25, 0.25, 0.25)})
    deal_size_median: tuple[float, ...] = (30_000.0, 22_000.0, 15_000.0, 8_000.0)  # by product
    deal_size_sigma: tuple[float, ...] = (0.6, 0.6, 0.5, 0.4)  # log-sd by product
    new_logo_size_factor: float = 0.8  # a first deal with an account is smaller
    quarter_seasonality: tuple[float, float, float] = (0.8, 0.9, 1.3)  # months of a quarter; mean 1
    quota_factor: float = 0.93  # quota = expected bookings x this x noise
    quota_sigma: float = 0.1  # log-sd of the quota noise around expected bookings
    hire_share: float = 0.1  # reps hired during the period generated
    leaver_share: float = 0.08  # reps leaving during it
    split_share: float = 0.08  # deals of a full-period rep shared with a teammate
    split_values: tuple[float, ...] = (0.5, 0.6, 0.7)  # the owner's share of a split deal
    discount_mean: float = 0.08  # per-rep discount tendency: mean and sd
    discount_sd: float = 0.05
    discount_slope: float = 0.04  # extra discount per unit of log(amount / product median)
    discount_noise: float = 0.03
    discount_max: float = 0.4
    forecast_weight: float = 0.8  # a forecast is bias x (this x actual + rest x expected): pipeline visibility
    sandbagger_share: float = 0.25
    sandbagger_bias: float = 0.8
    optimist_share: float = 0.2
    optimist_bias: float = 1.25
    bias_sigma: float = 0.05  # log-sd of each rep's bias around its type
    mbo_mean: float = 0.75  # quarterly MBO score: rep mean ~ N(mbo_mean, mbo_rep_sd), clipped 0..1
    mbo_rep_sd: float = 0.1
    mbo_quarter_sd: float = 0.08
    account_book: dict[str, int] = field(default_factory=lambda: {"AE": 15, "Hunter": 5, "AM": 30, "SE": 1,
                                                                  "Manager": 1, "Director": 1})
    base_salary: dict[str, float] = field(default_factory=lambda: {
        "AE": 90_000.0, "Hunter": 100_000.0, "AM": 80_000.0, "SE": 110_000.0, "Manager": 140_000.0,
        "Director": 190_000.0})

    @property
    def split_moments(self) -> tuple[float, float, float, float]:
        """E[s], E[s^2], E[1-s], E[(1-s)^2] of the owner's share s of a split deal."""
        s = np.asarray(self.split_values, dtype="float64")
        return float(s.mean()), float((s * s).mean()), float((1 - s).mean()), float(((1 - s) ** 2).mean())

    def size_moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and second moment of one deal's amount, (products, 2) (existing, new logo)."""
        median = np.asarray(self.deal_size_median)[:, None] * np.array([1.0, self.new_logo_size_factor])
        sigma2 = np.asarray(self.deal_size_sigma)[:, None] ** 2
        mean = median * np.exp(sigma2 / 2)
        return mean, mean * mean * np.exp(sigma2)


@dataclass(frozen=True)
class Team:
    """A synthetic roster with its deal rates, for ``months`` months from ``first_month``."""

    config: SynthConfig
    first_month: Month
    months: int
    reps: pd.DataFrame  # rep_id, name, role, team, region, manager_id, hire_date, end_date, base_salary
    capability: np.ndarray  # (reps,)
    own_rate: np.ndarray  # (reps, months, products, 2) deals a rep closes itself (ramped for new hires)
    split_eligible: np.ndarray  # (reps,) bool: full-period reps that share deals with teammates
    incoming_rate: np.ndarray  # (reps, months, products, 2) teammates' deals shared with the rep
    overlay_rate: np.ndarray  # (reps, months, products, 2) sellers' deals an SE joins (overlay credit)
    ramp: np.ndarray  # (reps, months) the share of full productivity a rep sells at (new hires ramp up)
    norm_rate: np.ndarray  # (reps, months, products, 2) own_rate at the role's mix and new-logo share
    discount_tendency: np.ndarray  # (reps,)
    forecast_bias: np.ndarray  # (reps,)
    mbo_mean: np.ndarray  # (reps,)
    quota_multiplier: np.ndarray  # (reps,) quota_factor x noise
    employed: np.ndarray  # (reps, months) share of the month's days employed

    def credit_moments(self, full: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Credit rows per month and their mean and second moment of the credited amount.

        A rep's credit rows are its own unsplit deals, its own split deals (share s), the
        teammates' deals shared with it (share 1 - s) and the deals it joins as an SE (the whole
        amount). Returns rate (reps, months, products, 2) and mean, second moment (reps, products,
        2); ``full`` gives the rates at full productivity (what quotas are set on)."""
        es, es2, e1s, e1s2 = self.config.split_moments
        size_mean, size_second = self.config.size_moments()
        share = np.where(self.split_eligible, self.config.split_share, 0.0)[:, None, None]
        rate = self.own_rate + self.incoming_rate + self.overlay_rate
        own = self.own_rate.sum(axis=1)  # (reps, products, 2)
        incoming = self.incoming_rate.sum(axis=1)
        overlay = self.overlay_rate.sum(axis=1)
        rows = own + incoming + overlay
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_factor = (own * (1 - share + share * es) + incoming * e1s + overlay) / rows
            second_factor = (own * (1 - share + share * es2) + incoming * e1s2 + overlay) / rows
        mean = np.where(rows > 0, mean_factor, 1.0) * size_mean
        second = np.where(rows > 0, second_factor, 1.0) * size_second
        if full:
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(self.ramp[:, :, None, None] > 0, rate / self.ramp[:, :, None, None], 0.0)
        return rate, mean, second

    def credit_share(self) -> np.ndarray:
        """(reps, 2, 2): the [revenue, overlay] share of each rep's credited [amount, rows]."""
        rate, mean, _ = self.credit_moments()
        share = np.zeros((len(self.reps), 2, 2))
        for kind, weight in enumerate((mean[:, None], 1.0)):
            every = (rate * weight).sum(axis=(1, 2, 3))
            overlay = (self.overlay_rate * weight).sum(axis=(1, 2, 3))
            share[:, kind, 1] = np.divide(overlay, every, out=np.zeros(len(every)), where=every > 0)
        share[:, :, 0] = 1.0 - share[:, :, 1]
        return share

    def expected_bookings(self, full: bool = False) -> np.ndarray:
        """Expected credited bookings, (reps, months); at full productivity with ``full``."""
        rate, mean, _ = self.credit_moments(full)
        return (rate * mean[:, None]).sum(axis=(2, 3))

    def quotas(self) -> pd.DataFrame:
        """Quarterly targets (calendar quarters the months touch, while employed): bookings for
        everyone, new_logos and new_logo_bookings for AEs and Hunters."""
        rate, mean, _ = self.credit_moments(full=True)
        labels, position, _ = self.employed_quarters()
        covered = np.bincount(position, minlength=len(labels))
        full = 3.0 / covered  # a quarter the months only partly cover still gets a whole quarter's quota

        def per_quarter(monthly: np.ndarray) -> np.ndarray:  # (reps, months) -> (reps, quarters)
            out = np.zeros((monthly.shape[0], len(labels)))
            np.add.at(out.T, position, monthly.T)
            return out * full

        bookings = per_quarter(self.expected_bookings(full=True))
        # new-logo goals follow the role's norm, not the rep's own habits (which the plan should reward)
        with np.errstate(invalid="ignore", divide="ignore"):
            norm = np.where(self.ramp[:, :, None, None] > 0, self.norm_rate / self.ramp[:, :, None, None], 0.0)
        size_mean, _ = self.config.size_moments()
        logos = per_quarter(norm[..., 1].sum(axis=2))
        logo_bookings = per_quarter((norm[..., 1] * size_mean[None, None, :, 1]).sum(axis=2))
        multiplier = self.quota_multiplier[:, None]
        hunts = self.reps["role"].isin(["AE", "Hunter"]).to_numpy()[:, None]
        targets = {
            "bookings": np.maximum(np.round(bookings * multiplier, -3), 1000.0),
            "new_logos": np.where(hunts, np.maximum(np.ceil(logos * self.config.quota_factor), 1.0), 0.0),
            "new_logo_bookings": np.where(hunts, np.maximum(np.round(logo_bookings * multiplier, -3), 1000.0), 0.0),
        }
        active = bookings > 0
        frames = []
        for metric, values in targets.items():
            rep_pos, quarter_pos = np.nonzero(active & (values > 0))
            frames.append(pd.DataFrame({
                "rep_id": self.reps["rep_id"].to_numpy()[rep_pos],
                "period": np.asarray(labels)[quarter_pos],
                "metric": metric,
                "target": values[rep_pos, quarter_pos],
            }))
        quotas = pd.concat(frames, ignore_index=True)
        order = {"bookings": 0, "new_logos": 1, "new_logo_bookings": 2}
        return quotas.sort_values(["rep_id", "metric", "period"], key=lambda c: c.map(order) if c.name == "metric" else c,
                                  kind="stable").reset_index(drop=True)

    def employed_quarters(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Calendar quarters the months touch: labels, each month's quarter (months,) and the
        employed share summed per rep and quarter (reps, quarters)."""
        quarter = np.array([quarter_index(self.first_month + m) for m in range(self.months)])
        quarters, position = np.unique(quarter, return_inverse=True)
        employed = np.zeros((len(self.reps), len(quarters)))
        np.add.at(employed.T, position, self.employed.T)
        return [f"{q // 4}-Q{q % 4 + 1}" for q in quarters], position, employed

def quarter_index(month: Month) -> int:
    """year * 4 + quarter - 1."""
    return month.year * 4 + (month.month - 1) // 3


def seasonality(start: Month, months: int, config: SynthConfig) -> np.ndarray:
    """Each month's deal-arrival multiplier, by its place in the calendar quarter (mean 1)."""
    season = np.array([config.quarter_seasonality[(start + m).ordinal % 3] for m in range(months)])
    return season / np.mean(config.quarter_seasonality)


def build_team(reps: int, months: int, rng: np.random.Generator, start: Month,
               config: SynthConfig | None = None) -> Team:
    """Draw a roster: roles in the configured shares, regions, teams, the org (managers and a
    director), capability, mid-period hires and leavers, discount tendency, forecast bias and MBO
    level, and the deal rates."""
    config = config or SynthConfig()
    managers, directors = org_size(reps, config)
    field_reps = reps - managers - directors
    roles = np.concatenate([_roles(field_reps, config, rng), np.repeat(["Manager", "Director"], [managers, directors])])
    region_names = list(config.regions)
    region = np.asarray(region_names)[rng.choice(len(region_names), size=reps, p=_normalized(config.regions.values()))]
    region[field_reps:field_reps + managers] = _manager_regions(region[:field_reps], managers, region_names)
    region[field_reps + managers:] = "All"
    team = np.where(roles == "Manager", region, np.char.add(np.char.add(region.astype(str), " "), roles.astype(str)))
    team = np.where(roles == "Director", "Sales", team)
    manager_id = _reporting_lines(roles, region, reps, rng)
    capability = np.exp(config.capability_sigma * rng.standard_normal(reps))

    hire, end = _employment(reps, months, start, config, rng)
    hired = _first_hire_dates(hire, start, rng)
    employed = days_employed(start, months, hire, end) / month_days(start, months)[None, :]
    ramp = productivity(config.ramp, hired, start, months)

    season = seasonality(start, months, config)
    per_month = np.array([config.deals_per_month[r] for r in roles]) * capability
    norm_mix = np.array([config.product_mix[r] for r in roles])
    norm_mix = norm_mix / norm_mix.sum(axis=1, keepdims=True)
    norm_logo = np.array([config.new_logo_share[r] for r in roles])
    strategic = np.exp(config.strategic_sigma * rng.standard_normal(reps))  # a rep's habits around the norm
    mix = norm_mix * np.where(np.arange(norm_mix.shape[1]) < 2, strategic[:, None], 1.0)
    mix = mix / mix.sum(axis=1, keepdims=True)
    new_logo = np.clip(norm_logo * np.exp(config.new_logo_sigma * rng.standard_normal(reps)), 0.0, 0.9)
    volume = per_month[:, None, None, None] * season[None, :, None, None] * (employed * ramp)[:, :, None, None]

    def rate(mix: np.ndarray, logo: np.ndarray) -> np.ndarray:
        return volume * mix[:, None, :, None] * np.stack([1 - logo, logo], axis=1)[:, None, None, :]

    own_rate, norm_rate = rate(mix, new_logo), rate(norm_mix, norm_logo)

    full_period = np.isnat(hire) & np.isnat(end)
    eligible, incoming = _incoming_splits(team, full_period, own_rate, config)
    overlay = _overlay_rates(roles, region, employed, own_rate, config)

    kind = rng.random(reps)
    bias_type = np.where(kind < config.sandbagger_share, config.sandbagger_bias,
                         np.where(kind < config.sandbagger_share + config.optimist_share, config.optimist_bias, 1.0))
    forecast_bias = bias_type * np.exp(config.bias_sigma * rng.standard_normal(reps))
    discount = np.clip(config.discount_mean + config.discount_sd * rng.standard_normal(reps), 0.0, config.discount_max)
    mbo = np.clip(config.mbo_mean + config.mbo_rep_sd * rng.standard_normal(reps), 0.0, 1.0)
    quota_noise = np.exp(config.quota_sigma * rng.standard_normal(reps))

    width = max(3, len(str(reps)))
    first = np.asarray(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), reps)]
    last = np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), reps)]
    salary = np.array([config.base_salary[r] for r in roles]) * (1 + 0.1 * rng.standard_normal(reps))
    ids = np.array([f"R{i + 1:0{width}d}" for i in range(reps)], dtype=object)
    frame = pd.DataFrame({
        "rep_id": ids,
        "name": np.char.add(np.char.add(first.astype(str), " "), last.astype(str)),
        "role": roles,
        "team": team,
        "region": region,
        "manager_id": np.where(manager_id >= 0, ids[np.maximum(manager_id, 0)], None),
        "hire_date": pd.to_datetime(hired),
        "end_date": pd.to_datetime(end),
        "base_salary": np.round(salary, -3),
    })
    return Team(config, start, months, frame, capability, own_rate, eligible, incoming, overlay, ramp, norm_rate,
                discount, forecast_bias, mbo, config.quota_factor * quota_noise, employed)


def org_size(reps: int, config: SynthConfig) -> tuple[int, int]:
    """(managers, directors) of a team of ``reps``: a manager per ``reps_per_manager`` sellers and
    SEs (one from 8 reps on), and a director per ``managers_per_director`` managers (from two
    managers on).

    >>> org_size(80, SynthConfig()), org_size(8, SynthConfig()), org_size(5, SynthConfig())
    ((6, 1), (1, 0), (0, 0))
    >>> org_size(1110, SynthConfig(reps_per_manager=10, managers_per_director=10))
    (100, 10)
    """
    if reps < 8 or config.reps_per_manager <= 0:
        return 0, 0
    per_manager, per_director = config.reps_per_manager, max(config.managers_per_director, 1)
    field = round(reps / (1 + (1 + 1 / per_director) / per_manager))
    managers = max(1, round(field / per_manager))
    directors = -(-managers // per_director) if managers >= 2 else 0
    return managers, directors


def productivity(ramp: tuple[float, ...], hired: np.ndarray, start: Month, months: int) -> np.ndarray:
    """The share of full productivity each rep sells at in each month, (reps, months): ``ramp[k]``
    in tenure month k + 1 (the month holding the hire date is 1), 1 later (and before hire)."""
    hire_month = hired.astype("datetime64[M]").astype("int64") + Month.of(1970, 1).ordinal
    tenure = (start.ordinal + np.arange(months))[None, :] - hire_month[:, None] + 1
    factors = np.array([1.0, *ramp])
    inside = (tenure >= 1) & (tenure <= len(ramp))
    return np.where(inside, factors[np.where(inside, tenure, 0)], 1.0)


def _manager_regions(region: np.ndarray, managers: int, names: list[str]) -> np.ndarray:
    """Regions of the managers: one per region, largest first, then more for the largest."""
    sizes = {name: int((region == name).sum()) for name in names}
    ordered = [name for name in sorted(names, key=lambda name: -sizes[name]) if sizes[name]]
    out = ordered[:managers]
    load = {name: int(name in out) for name in ordered}
    for _ in range(managers - len(out)):
        name = max(ordered, key=lambda n: (sizes[n] / (load[n] + 1), -ordered.index(n)))
        out.append(name)
        load[name] += 1
    return np.asarray(out, dtype=region.dtype)


def _reporting_lines(roles: np.ndarray, region: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
    """Each rep's manager's position (-1 for none): sellers and SEs report to a manager of their
    region (chosen at random among them; the director when the region has none), managers to
    the director."""
    positions = np.arange(reps)
    managers = positions[roles == "Manager"]
    director = positions[roles == "Director"]
    top = director[0] if director.size else -1
    out = np.full(reps, -1)
    if director.size:  # managers grouped by region, in turn under each director
        out[managers[np.argsort(region[managers], kind="stable")]] = director[np.arange(managers.size) * director.size
                                                                            // max(managers.size, 1)]
    for name in np.unique(region[roles != "Director"]):
        mine = positions[(region == name) & ~np.isin(roles, ("Manager", "Director"))]
        theirs = managers[region[managers] == name]
        out[mine] = theirs[rng.integers(0, theirs.size, mine.size)] if theirs.size else top
    return out


def _overlay_rates(roles: np.ndarray, region: np.ndarray, employed: np.ndarray, own_rate: np.ndarray,
                   config: SynthConfig) -> np.ndarray:
    """The rate of sellers' deals each SE joins: a region's assisted deals (``se_assist`` by
    product) shared evenly by its SEs, by the share of the month each is employed."""
    overlay = np.zeros_like(own_rate)
    assist = np.asarray(config.se_assist, dtype="float64")[None, None, :, None]
    engineers = roles == "SE"
    for name in np.unique(region[engineers]):
        mine = engineers & (region == name)
        assisted = (own_rate[(region == name) & ~engineers] * assist).sum(axis=0)  # (months, products, 2)
        presence = employed[mine] / np.maximum(employed[mine].sum(axis=0, keepdims=True), 1e-12)
        overlay[mine] = presence[:, :, None, None] * assisted[None]
    return overlay


def _roles(reps: int, config: SynthConfig, rng: np.random.Generator) -> np.ndarray:
    """Exactly the configured shares (rounded; the rest go to the first role), shuffled."""
    names = list(config.role_shares)
    shares = _normalized(config.role_shares.values())
    counts = np.floor(shares * reps + 0.5).astype(int)
    counts[0] += reps - counts.sum()
    return rng.permutation(np.repeat(np.asarray(names), np.maximum(counts, 0)))


def _normalized(values) -> np.ndarray:
    array = np.asarray(list(values), dtype="float64")
    return array / array.sum()


def _employment(reps: int, months: int, start: Month, config: SynthConfig,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Hire dates of mid-period hires and end dates of leavers (NaT otherwise), datetime64[D].
    Hires join in the second month or later, leavers go before the last month."""
    first_day = np.datetime64(start.first_day, "D")
    last_day = np.datetime64((start + (months - 1)).last_day, "D")
    span = int((last_day - first_day).astype(int)) + 1
    kind = rng.random(reps)
    offset = rng.random(reps)
    lo = min(31, span - 1)
    hi = max(lo + 1, span - 31)
    day = first_day + (lo + np.floor(offset * (hi - lo))).astype("int64").astype("timedelta64[D]")
    hired = kind < config.hire_share
    leaving = (kind >= config.hire_share) & (kind < config.hire_share + config.leaver_share)
    nat = np.datetime64("NaT", "D")
    return np.where(hired, day, nat), np.where(leaving, day, nat)


def _first_hire_dates(hire: np.ndarray, start: Month, rng: np.random.Generator) -> np.ndarray:
    """Reps employed from before the period get a hire date 2 months to 7 years earlier."""
    before = np.datetime64(start.first_day, "D") - rng.integers(60, 2500, len(hire)).astype("timedelta64[D]")
    return np.where(np.isnat(hire), before, hire)


def _incoming_splits(team: np.ndarray, eligible_rep: np.ndarray, own_rate: np.ndarray,
                     config: SynthConfig) -> tuple[np.ndarray, np.ndarray]:
    """Which reps share deals, and the rate of teammates' deals shared with each: a split deal
    goes to one of the owner's eligible teammates, chosen uniformly."""
    codes, team_index = np.unique(team, return_inverse=True)
    members = np.bincount(team_index, weights=eligible_rep, minlength=len(codes))
    eligible = eligible_rep & (members[team_index] >= 2)
    shared = own_rate * np.where(eligible, config.split_share, 0.0)[:, None, None, None]
    team_total = np.zeros((len(codes),) + own_rate.shape[1:])
    np.add.at(team_total, team_index, shared)
    others = np.maximum(members[team_index] - 1, 1)[:, None, None, None]
    incoming = np.where(eligible[:, None, None, None], (team_total[team_index] - shared) / others, 0.0)
    return eligible, incoming

