"""``strata generate``: the deterministic demo-data generator.

Writes the raw tables of the README's raw input contract -- ``transactions``, ``customers``,
``events`` and ``campaign_assignments`` -- as Parquet or CSV files into one folder::

    strata generate --out data/raw --customers 5000 --months 24 \\
        --end-date 2025-06-30 --seed 42 --format parquet

The data are synthetic but shaped like a real shop:

* customers sign up over the whole window (about a fifth of them before it, with a mild
  growth trend inside it); some never buy, some churned before the window started;
* every customer has an active lifetime (churn) after which they stop buying; about a quarter
  never churn;
* among buyers about 47% buy exactly once, the rest have a heavy-tailed purchase rate, so a
  few buy very often;
* purchase amounts are lognormal around a customer-level spend propensity;
* purchases follow seasonality (Nov/Dec peak, summer dip, busier weekends, a daily rhythm);
* about 3% of purchases are refunded a few days later by a negative row of the same or a smaller
  amount, and about 0.1% of purchases come with an extra zero-amount row;
* about a third of the active customers also have events (``feature_use`` / ``content_view``,
  exactly the names of ``seeds/event_catalog.csv``), in bursts: each has an engagement level
  that sets how many ISO weeks of its active lifetime it is active in (busier and quieter
  four-week stretches, more in the weeks just after sign-up; the sign-up day, or a random day
  for earlier sign-ups, is always active), on how many distinct days of such a week (1..7)
  and how many events per active day (a short session); events mix the ``home`` page,
  ``share_link``, the core features (6 names of 5 features) and content views, whose category
  follows a per-customer taste (a clear favourite among beginner / technical / business for
  most, none for some). Events are drawn after the transactions: they never change them.
* the two campaigns of ``seeds/campaigns.csv`` are run as experiments: customers signed up by
  a campaign's day (75 and 40 days before ``--end-date``) are assigned at random (30% and
  25%), half of them to ``control``; a treated customer makes one extra purchase in the
  conversion window with probability 8% (5%). These purchases have ids ``tc...`` and are
  written after all the others, so the other rows are the same as without campaigns.

All transactions fall inside the ``--months`` calendar months that end with ``--end-date``
(inclusive); the latest purchase is on ``--end-date`` itself. The output depends only on the
arguments: every chunk of customers draws from its own ``numpy.random.Generator(PCG64)``
seeded from ``(seed, chunk index)``, chunks are written in order, and nothing reads the clock
except the elapsed-time report. Only numpy and pyarrow are used; generation is vectorised per
chunk of customers and written with streaming writers, so memory stays bounded at any size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

TABLES: tuple[str, ...] = (
    "transactions",
    "customers",
    "events",
    "campaign_assignments",
    "marketing_spend",
)
FORMATS: tuple[str, ...] = ("parquet", "csv")

#: Customers per generated chunk. A fixed constant: the output depends on it, so changing it
#: changes the data (but never between two runs of the same code and arguments).
CHUNK_CUSTOMERS = 100_000

#: Zero-padded id widths (digits after the prefix). Fixed, so ids of one table always have the
#: same length and sort in creation order: customers up to 99,999,999, transactions and events
#: up to 999,999,999 rows (i.e. well beyond 100M rows).
CUSTOMER_ID_DIGITS = 8
TRANSACTION_ID_DIGITS = 9
EVENT_ID_DIGITS = 9
MAX_CUSTOMERS = 10**CUSTOMER_ID_DIGITS - 1

SECONDS_PER_DAY = 86_400
DAYS_PER_MONTH = 30.4375

# Customer behaviour.
SHARE_SIGNUP_BEFORE_WINDOW = 0.20  # signed up before the first month of the window
MAX_DAYS_BEFORE_WINDOW = 3 * 365  # how far before the window the earliest signups are
SHARE_NEVER_BUY = 0.12  # registered but never buy anything
SHARE_NEVER_CHURN = 0.25  # stay active until the end of the window
MEAN_LIFETIME_DAYS = 300.0  # mean active lifetime of the others (exponential, +14 days)
SHARE_ONE_TIME = 0.47  # of the customers who buy in the window, buy exactly once
REPEAT_RATE_MEDIAN = 1.3  # purchases per active month (median, lognormal) of repeat buyers
REPEAT_RATE_SIGMA = 1.1
MAX_PURCHASES_PER_DAY = 1.0  # cap on a customer's purchases per active day

# Amounts (currency units; lognormal).
SPEND_MEDIAN = 38.0  # median of the customer-level spend propensity
SPEND_CUSTOMER_SIGMA = 0.55  # spread of propensity between customers
SPEND_PURCHASE_SIGMA = 0.50  # spread of one customer's purchases around their propensity
SHARE_PRICE_POINT_99 = 0.35  # amounts rounded to a .99 price point
MIN_AMOUNT_CENTS = 99

# Refunds and zero rows.
SHARE_REFUNDED = 0.03
SHARE_FULL_REFUND = 0.65  # of refunds, refund the whole purchase (else a part of it)
MAX_REFUND_DELAY_DAYS = 14
SHARE_ZERO_ROW = 0.001

# Events. EVENT_CATALOG is the demo event catalog, row for row ``seeds/event_catalog.csv``:
# (event_name, event_type, is_core_feature, feature, content_category; "" = none).
SHARE_WITH_EVENTS = 0.35  # of customers active in the window
# Campaign experiments (seeds/campaigns.csv holds the same campaigns): customers signed up by
# the assignment day are assigned with probability `share`, half to `control`; a customer of the
# other variant makes one extra purchase in the conversion window with probability `uplift`.
# (campaign_id, days before the end date it is assigned, conversion window days, share,
# treatment variant, uplift)
CAMPAIGNS: tuple[tuple[str, int, int, float, str, float], ...] = (
    ("spring_win_back", 75, 30, 0.30, "offer_10", 0.08),
    ("vip_early_access", 40, 14, 0.25, "early_access", 0.05),
)
CAMPAIGN_TX_PREFIX = "tc"  # ids of the extra purchases, numbered apart from the others
# Acquisition channels: (channel, share of the attributed customers, cost per new buyer), and
# the share of customers without a channel. Marketing spend per month and channel = its new
# buyers x the cost x lognormal noise (sigma SPEND_NOISE_SIGMA), plus a base of BASE_SPEND.
CHANNELS: tuple[tuple[str, float, float], ...] = (
    ("search", 0.40, 32.0),
    ("social", 0.30, 24.0),
    ("email", 0.20, 9.0),
    ("referral", 0.10, 14.0),
)
SHARE_UNATTRIBUTED = 0.15
SPEND_NOISE_SIGMA = 0.25
BASE_SPEND = 150.0
EVENT_CATALOG: tuple[tuple[str, str, bool, str, str], ...] = (
    ("search", "feature_use", True, "search", ""),
    ("cart_add", "feature_use", True, "cart", ""),
    ("cart_remove", "feature_use", True, "cart", ""),
    ("wishlist_add", "feature_use", True, "wishlist", ""),
    ("compare", "feature_use", True, "compare", ""),
    ("review_submit", "feature_use", True, "reviews", ""),
    ("share_link", "feature_use", False, "sharing", ""),
    ("home", "content_view", False, "", ""),
    ("guide_getting_started", "content_view", False, "", "beginner"),
    ("tutorial_first_order", "content_view", False, "", "beginner"),
    ("article_api_reference", "content_view", False, "", "technical"),
    ("article_integration_howto", "content_view", False, "", "technical"),
    ("case_study", "content_view", False, "", "business"),
    ("report_market_trends", "content_view", False, "", "business"),
)
CONTENT_CATEGORIES: tuple[str, ...] = ("beginner", "technical", "business")
#: Relative frequency of the core event names (integers: drawn from a lookup table).
CORE_EVENT_WEIGHTS: dict[str, int] = {
    "search": 15,
    "cart_add": 11,
    "cart_remove": 3,
    "wishlist_add": 8,
    "compare": 6,
    "review_submit": 7,
}
ENGAGEMENT_BETA = (1.2, 3.0)  # beta(a, b) engagement level of a customer, 0 (low) .. 1 (high)
ACTIVE_WEEK_P = (0.01, 0.14)  # chance that a week of the lifetime is active, at engagement 0 / 1
BURST_WEEKS = 4  # weeks of a stretch sharing one busyness factor (exponential, mean 1)
ONBOARDING_BOOST = 3.0  # weeks just after sign-up: active-week chance x (1 + boost), decaying
ONBOARDING_HALF_LIFE_WEEKS = 2.0  # ... with this half-life (ignored after 16 weeks)
EXTRA_DAY_P = (0.03, 0.92)  # active days of an active week = 1 + binomial(6, p), p at 0 / 1
EVENTS_PER_DAY = (0.3, 2.0)  # active day: 1 + poisson(lambda) events, lambda at engagement 0 / 1
SESSION_GAP_SECONDS = 90.0  # mean gap between two events of the day (exponential)
SHARE_HOME = 0.15  # of events: the home page
SHARE_SHARE_LINK = 0.03  # of events: share_link
CONTENT_AFFINITY_BETA = (1.5, 2.5)  # beta: a customer's share of content views among the rest
CONTENT_TASTE_WEIGHTS = (0.40, 0.30, 0.30)  # favourite category (CONTENT_CATEGORIES order)
SHARE_NO_TASTE = 0.30  # customers without a favourite (categories equally likely)
TASTE_STRENGTH = (0.60, 0.95)  # uniform: chance that a content view is of the favourite

# Seasonality: January .. December, Monday .. Sunday, hour 0 .. 23 (UTC).
MONTH_WEIGHTS = np.array([0.85, 0.85, 0.95, 1.00, 1.00, 0.90, 0.78, 0.80, 0.95, 1.05, 1.35, 1.60])
WEEKDAY_WEIGHTS = np.array([0.95, 0.95, 0.95, 1.00, 1.05, 1.15, 1.10])
HOUR_WEIGHTS = np.array(
    [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 7, 6, 6, 6, 7, 8, 9, 10, 9, 7, 4], dtype=float
)
SIGNUP_GROWTH = 0.6  # the signup rate grows linearly by this factor across the window

COUNTRIES: tuple[tuple[str, str, int, float], ...] = (
    # (ISO code, calling code, digits of the national number, weight)
    ("US", "1", 10, 0.30),
    ("GB", "44", 10, 0.12),
    ("DE", "49", 11, 0.11),
    ("FR", "33", 9, 0.09),
    ("NL", "31", 9, 0.05),
    ("ES", "34", 9, 0.05),
    ("IT", "39", 10, 0.05),
    ("CA", "1", 10, 0.06),
    ("AU", "61", 9, 0.05),
    ("SE", "46", 9, 0.03),
    ("PL", "48", 9, 0.03),
    ("BR", "55", 11, 0.03),
    ("JP", "81", 10, 0.02),
    ("CN", "86", 11, 0.01),
)
FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "Lucas",
    "Hannah", "Mateo", "Chloe", "Felix", "Ines", "Hugo", "Lena", "Jonas", "Sara", "Marco",
    "Giulia", "Pablo", "Lucia", "Anna", "Jan", "Zofia", "Lars", "Freya", "Yuki", "Haruto",
    "Wei", "Mei", "Aisha", "Omar", "Priya", "Arjun", "Chen", "Ana", "Joao", "Camille",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Taylor", "Clark",
    "Lewis", "Walker", "Young", "Müller", "Schmidt", "Schneider", "Fischer", "Martin",
    "Bernard", "Dubois", "Moreau", "de Vries", "Jansen", "Rossi", "Russo", "Ferrari",
    "Fernández", "López", "Novak", "Kowalski", "Nowak", "Andersson", "Johansson", "Sato",
    "Suzuki", "Wang", "Li", "Zhang", "Silva", "Santos", "O'Brien",
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The generation window and its per-day sampling weights.

    Days are counted from ``start`` (day 0, the first day of the first month) to ``end``
    (day ``n_days - 1``, the ``--end-date``).
    """

    start: dt.date
    end: dt.date
    n_days: int
    start_epoch_day: int  # days from 1970-01-01 to ``start``
    purchase_cum: np.ndarray  # float64[n_days + 1]: cumulative purchase-day weights, from 0
    signup_cum: np.ndarray  # float64[n_days + 1]: cumulative signup-day weights, from 0
    hour_cum: np.ndarray  # float64[24]: cumulative hour-of-day probabilities
    month_index: np.ndarray  # int64[n_days]: the calendar month of each day, 0 = the first
    month_starts: tuple[dt.date, ...]  # the first day of each calendar month of the window

    @property
    def n_months(self) -> int:
        """Number of calendar months of the window."""
        return len(self.month_starts)


def window_start(end: dt.date, months: int) -> dt.date:
    """Return the first day of the first of ``months`` calendar months ending with ``end``."""
    index = end.year * 12 + (end.month - 1) - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def build_calendar(end: dt.date, months: int) -> Calendar:
    """Build the :class:`Calendar` of the window of ``months`` months ending at ``end``."""
    start = window_start(end, months)
    n_days = (end - start).days + 1
    start_epoch_day = (start - dt.date(1970, 1, 1)).days
    epoch_days = start_epoch_day + np.arange(n_days, dtype=np.int64)
    month_index = epoch_days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month_of_year = month_index % 12
    weekday = (epoch_days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    purchase_w = MONTH_WEIGHTS[month_of_year] * WEEKDAY_WEIGHTS[weekday]
    signup_w = purchase_w * (1.0 + SIGNUP_GROWTH * np.arange(n_days) / max(n_days - 1, 1))
    hour_cum = np.cumsum(HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    hour_cum[-1] = 1.0
    return Calendar(
        start=start,
        end=end,
        n_days=n_days,
        start_epoch_day=start_epoch_day,
        purchase_cum=np.concatenate(([0.0], np.cumsum(purchase_w))),
        signup_cum=np.concatenate(([0.0], np.cumsum(signup_w))),
        hour_cum=hour_cum,
        month_index=month_index - month_index[0],
        month_starts=tuple(
            dt.date(int(m) // 12 + 1970, int(m) % 12 + 1, 1) for m in np.unique(month_index)
        ),
    )


def sample_days(
    rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Draw one day in ``[lo, hi]`` (inclusive, per element) with the weights behind ``cum``.

    ``cum`` is the cumulative weight array starting at 0 (length ``n_days + 1``); day ``d``
    owns the interval ``[cum[d], cum[d + 1])``. Inverse-CDF sampling, fully vectorised.
    """
    low = cum[lo]
    u = low + rng.random(lo.shape[0]) * (cum[hi + 1] - low)
    days = np.searchsorted(cum, u, side="right") - 1
    return np.clip(days, lo, hi)


def sample_seconds_of_day(rng: np.random.Generator, cal: Calendar, n: int) -> np.ndarray:
    """Draw ``n`` seconds-of-day (0..86399) following the daily rhythm ``HOUR_WEIGHTS``."""
    hours = np.searchsorted(cal.hour_cum, rng.random(n), side="right")
    hours = np.minimum(hours, 23)
    return hours * 3600 + rng.integers(0, 3600, size=n)


# --------------------------------------------------------------------------------------------
# Chunk generation (pure numpy, ids are assigned later when writing in order)
# --------------------------------------------------------------------------------------------


@dataclass
class Chunk:
    """Generated data of one chunk of customers, without transaction / event ids."""

    first_customer: int  # 1-based number of the first customer of the chunk
    signup_epoch_day: np.ndarray  # int32[n_customers]
    country: np.ndarray  # int64[n_customers], index into COUNTRIES
    phone_number: np.ndarray  # int64[n_customers], national number (no leading 0)
    first_name: np.ndarray  # int64[n_customers], index into FIRST_NAMES
    last_name: np.ndarray  # int64[n_customers], index into LAST_NAMES
    tx_customer: np.ndarray  # int64[n_tx], customer number (1-based, global)
    tx_epoch_second: np.ndarray  # int64[n_tx], seconds since 1970-01-01 (UTC)
    tx_cents: np.ndarray  # int64[n_tx], amount in cents (negative = refund)
    ev_customer: np.ndarray  # int64[n_ev]
    ev_epoch_second: np.ndarray  # int64[n_ev]
    ev_name: np.ndarray  # int64[n_ev], index into EVENT_CATALOG
    as_customer: np.ndarray  # int64[n_as], campaign assignments: customer number
    as_campaign: np.ndarray  # int64[n_as], index into CAMPAIGNS
    as_is_treated: np.ndarray  # bool[n_as], the campaign's treatment variant (else control)
    as_epoch_second: np.ndarray  # int64[n_as]
    up_customer: np.ndarray  # int64[n_up], the extra purchases the campaigns caused
    up_epoch_second: np.ndarray  # int64[n_up]
    up_cents: np.ndarray  # int64[n_up]
    channel: np.ndarray  # int64[n_customers], index into CHANNELS, -1 for none
    new_buyers: np.ndarray  # int64[n_months, n_channels]: first purchases per month and channel

    @property
    def n_customers(self) -> int:
        """Number of customers in the chunk."""
        return int(self.signup_epoch_day.shape[0])


def chunk_rng(seed: int, chunk_index: int) -> np.random.Generator:
    """Return the independent random generator of one chunk (depends on seed and index only)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, chunk_index])))


_EVENT_INDEX = {row[0]: i for i, row in enumerate(EVENT_CATALOG)}
#: Core event indexes, each repeated by its weight: a uniform pick is a weighted pick.
_CORE_EVENTS = np.repeat(
    np.array([_EVENT_INDEX[name] for name in CORE_EVENT_WEIGHTS], dtype=np.int64),
    list(CORE_EVENT_WEIGHTS.values()),
)
#: Active-week chance multiplier by weeks since the sign-up week (the last entry: 16 and more).
_ONBOARDING = np.append(
    1.0 + ONBOARDING_BOOST * 0.5 ** (np.arange(16) / ONBOARDING_HALF_LIFE_WEEKS), 1.0
)
#: Event indexes of the content names, one row per CONTENT_CATEGORIES entry.
_CONTENT_EVENTS = np.array(
    [[i for i, row in enumerate(EVENT_CATALOG) if row[4] == cat] for cat in CONTENT_CATEGORIES],
    dtype=np.int64,
)


def _lerp(bounds: tuple[float, float], level: np.ndarray) -> np.ndarray:
    """Return ``bounds[0]`` at ``level`` 0 to ``bounds[1]`` at 1, linearly."""
    return bounds[0] + (bounds[1] - bounds[0]) * level


def _active_weeks(
    rng: np.random.Generator,
    engagement: np.ndarray,
    week_lo: np.ndarray,
    week_hi: np.ndarray,
    signup_week: np.ndarray,
    first_week: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick the active weeks among the weeks ``week_lo .. week_hi`` of each customer.

    A week is active with a chance set by the engagement, times a busyness factor shared by
    the weeks of a ``BURST_WEEKS`` stretch, times an onboarding boost after the sign-up week;
    ``first_week`` is always active. Returns ``(customer, week)`` per active week, by customer
    and week (customers are positions in the per-customer arrays).
    """
    n_weeks = week_hi - week_lo + 1
    pair_c = np.repeat(np.arange(week_lo.shape[0], dtype=np.int64), n_weeks)
    pair_j = (
        week_lo[pair_c]
        + np.arange(pair_c.shape[0])
        - np.repeat(np.cumsum(n_weeks) - n_weeks, n_weeks)
    )
    stretch = pair_j // BURST_WEEKS
    new_stretch = np.ones(pair_c.shape[0], dtype=bool)
    new_stretch[1:] = (pair_c[1:] != pair_c[:-1]) | (stretch[1:] != stretch[:-1])
    stretch_id = np.cumsum(new_stretch) - 1
    busyness = rng.standard_exponential(size=int(new_stretch.sum()))
    since_signup = pair_j - signup_week[pair_c]
    onboarding = _ONBOARDING[np.clip(since_signup, 0, _ONBOARDING.shape[0] - 1)]
    p_week = _lerp(ACTIVE_WEEK_P, engagement)[pair_c] * busyness[stretch_id] * onboarding
    is_active = rng.random(pair_c.shape[0]) < p_week
    is_active |= pair_j == first_week[pair_c]
    return pair_c[is_active], pair_j[is_active]


def _active_days(
    rng: np.random.Generator,
    cal: Calendar,
    engagement: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    first_day: np.ndarray,
    week_c: np.ndarray,
    monday: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick the active days of each active week (arrays per week; ``monday`` its first day).

    ``1 + binomial(6, p)`` distinct days (p rising with the engagement), at most the days of
    the week inside the lifetime ``[lo, hi]``, weighted like purchase days (weighted sampling
    without replacement: the smallest exponential keys / weight); ``first_day`` is always one
    of them. Returns ``(customer, day)`` per active day.
    """
    days = monday[:, None] + np.arange(7)
    inside = (days >= lo[:, None]) & (days <= hi[:, None])
    k = 1 + rng.binomial(6, _lerp(EXTRA_DAY_P, engagement))
    k = np.minimum(k, inside.sum(axis=1))
    day_weight = np.diff(cal.purchase_cum)[np.clip(days, 0, cal.n_days - 1)]
    keys = np.where(inside, rng.standard_exponential(days.shape) / day_weight, np.inf)
    keys[days == first_day[:, None]] = -1.0
    ranked = np.take_along_axis(days, np.argsort(keys, axis=1), axis=1)
    return np.repeat(week_c, k), ranked[np.arange(7) < k[:, None]]


def generate_events(
    rng: np.random.Generator,
    cal: Calendar,
    customers: np.ndarray,
    signup_day: np.ndarray,
    active_lo: np.ndarray,
    active_hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw the events of ``customers`` (chunk-local indexes of active customers).

    Returns ``(customer, day, second_of_day, event index into EVENT_CATALOG)`` per event,
    unordered. A customer is active in some ISO weeks (Monday start) of its active lifetime
    ``[active_lo, active_hi]``, on 1..7 distinct days of such a week, with a short session of
    events on each active day; engagement drives all three. Fully vectorised.
    """
    m = customers.shape[0]
    lo, hi = active_lo[customers], active_hi[customers]
    engagement = rng.beta(*ENGAGEMENT_BETA, size=m)
    content_affinity = rng.beta(*CONTENT_AFFINITY_BETA, size=m)
    taste = rng.choice(len(CONTENT_CATEGORIES), size=m, p=CONTENT_TASTE_WEIGHTS)
    strength = np.where(
        rng.random(m) < SHARE_NO_TASTE,
        1.0 / len(CONTENT_CATEGORIES),
        rng.uniform(*TASTE_STRENGTH, size=m),
    )
    # the sign-up day is always active; for earlier sign-ups a random day of the lifetime
    first_day = np.where(signup_day[customers] >= 0, lo, sample_days(rng, cal.purchase_cum, lo, hi))

    # weeks of the lifetime: week j covers window days monday0 + 7j .. monday0 + 7j + 6
    monday0 = -((cal.start_epoch_day + 3) % 7)  # the Monday on or before day 0 (1970-01-01: Thu)
    week_c, week_j = _active_weeks(
        rng,
        engagement,
        (lo - monday0) // 7,
        (hi - monday0) // 7,
        (signup_day[customers] - monday0) // 7,
        (first_day - monday0) // 7,
    )
    # active days: 1..7 distinct days of each active week
    day_c, day = _active_days(
        rng,
        cal,
        engagement[week_c],
        lo[week_c],
        hi[week_c],
        first_day[week_c],
        week_c,
        monday0 + 7 * week_j,
    )

    # a session per active day: a start time, then events a minute or two apart
    per_day = 1 + rng.poisson(_lerp(EVENTS_PER_DAY, engagement)[day_c])
    start = sample_seconds_of_day(rng, cal, day.shape[0])
    ev_c = np.repeat(day_c, per_day)
    n_e = ev_c.shape[0]
    gaps = np.cumsum(rng.exponential(SESSION_GAP_SECONDS, size=n_e))
    first = np.cumsum(per_day) - per_day
    offset = (gaps - np.repeat(gaps[first], per_day)).astype(np.int64)
    session = offset[first + per_day - 1]  # seconds from the first to the last event
    late = start + session >= SECONDS_PER_DAY  # would run past midnight: end at start instead
    start = np.where(late, np.maximum(start - session, 0), start)
    e_sec = np.minimum(np.repeat(start, per_day) + offset, SECONDS_PER_DAY - 1)
    e_day = np.repeat(day, per_day)

    # names: home / share_link, else a core feature or a content view of the customer's taste
    u = rng.random(n_e)
    core = _CORE_EVENTS[rng.integers(0, _CORE_EVENTS.shape[0], size=n_e)]
    favourite = rng.random(n_e) < strength[ev_c]
    other = (taste[ev_c] + rng.integers(1, len(CONTENT_CATEGORIES), size=n_e)) % len(
        CONTENT_CATEGORIES
    )
    category = np.where(favourite, taste[ev_c], other)
    content = _CONTENT_EVENTS[category, rng.integers(0, _CONTENT_EVENTS.shape[1], size=n_e)]
    rest = SHARE_HOME + SHARE_SHARE_LINK  # u beyond it: content with the customer's affinity
    is_content = u < rest + (1.0 - rest) * content_affinity[ev_c]
    name = np.where(
        u < SHARE_HOME,
        _EVENT_INDEX["home"],
        np.where(
            u < SHARE_HOME + SHARE_SHARE_LINK,
            _EVENT_INDEX["share_link"],
            np.where(is_content, content, core),
        ),
    )
    return customers[ev_c], e_day, e_sec, name


def generate_chunk(
    cal: Calendar, seed: int, chunk_index: int, first_customer: int, n: int
) -> Chunk:
    """Generate customers ``first_customer .. first_customer + n - 1`` and their activity."""
    rng = chunk_rng(seed, chunk_index)
    last_day = cal.n_days - 1

    # --- customers: signup, lifetime, kind -----------------------------------------------
    before = rng.random(n) < SHARE_SIGNUP_BEFORE_WINDOW
    signup_in = sample_days(
        rng, cal.signup_cum, np.zeros(n, dtype=np.int64), np.full(n, last_day, dtype=np.int64)
    )
    signup_before = -rng.integers(1, MAX_DAYS_BEFORE_WINDOW + 1, size=n)
    signup_day = np.where(before, signup_before, signup_in)

    never_churn = rng.random(n) < SHARE_NEVER_CHURN
    lifetime = 14 + np.floor(rng.exponential(MEAN_LIFETIME_DAYS, size=n)).astype(np.int64)
    lifetime = np.where(never_churn, 10 * MAX_DAYS_BEFORE_WINDOW + cal.n_days, lifetime)
    active_lo = np.maximum(signup_day, 0)
    active_hi = np.minimum(signup_day + lifetime, last_day)
    active = active_hi >= active_lo
    span_days = np.where(active, active_hi - active_lo + 1, 0)
    span_months = span_days / DAYS_PER_MONTH

    buys = active & (rng.random(n) >= SHARE_NEVER_BUY)
    one_time = rng.random(n) < SHARE_ONE_TIME
    rate = REPEAT_RATE_MEDIAN * np.exp(REPEAT_RATE_SIGMA * rng.standard_normal(n))
    repeat_n = 2 + rng.poisson(rate * span_months)
    repeat_n = np.minimum(repeat_n, np.maximum(2, np.floor(MAX_PURCHASES_PER_DAY * span_days)))
    n_purchases = np.where(buys, np.where(one_time, 1, repeat_n), 0).astype(np.int64)

    spend_mu = np.log(SPEND_MEDIAN) + SPEND_CUSTOMER_SIGMA * rng.standard_normal(n)

    country_p = np.array([c[3] for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), size=n, p=country_p / country_p.sum())
    phone_digits = np.array([c[2] for c in COUNTRIES], dtype=np.int64)[country]
    phone_number = rng.integers(2 * 10 ** (phone_digits - 1), 10**phone_digits)
    first_name = rng.integers(0, len(FIRST_NAMES), size=n)
    last_name = rng.integers(0, len(LAST_NAMES), size=n)

    # --- purchases --------------------------------------------------------------------------
    local = np.repeat(np.arange(n, dtype=np.int64), n_purchases)
    n_p = local.shape[0]
    p_day = sample_days(rng, cal.purchase_cum, active_lo[local], active_hi[local])
    p_sec = sample_seconds_of_day(rng, cal, n_p)
    if chunk_index == 0 and n_p > 0:
        # Guarantee that the latest purchase of the data set is on the end date: move the
        # latest purchase of the first chunk there (nothing is ever generated after it).
        latest = int(np.argmax(p_day * SECONDS_PER_DAY + p_sec))
        p_day[latest] = last_day
    raw = np.exp(spend_mu[local] + SPEND_PURCHASE_SIGMA * rng.standard_normal(n_p))
    p_cents = np.maximum(np.round(raw * 100.0).astype(np.int64), MIN_AMOUNT_CENTS)
    price_point = rng.random(n_p) < SHARE_PRICE_POINT_99
    p_cents = np.where(price_point, (p_cents // 100) * 100 + 99, p_cents)

    # --- refunds: a negative row 1..14 days later, never after the end date -----------------
    refunded = np.flatnonzero(rng.random(n_p) < SHARE_REFUNDED)
    r_day = p_day[refunded] + rng.integers(1, MAX_REFUND_DELAY_DAYS + 1, size=refunded.size)
    r_sec = sample_seconds_of_day(rng, cal, refunded.size)
    full = rng.random(refunded.size) < SHARE_FULL_REFUND
    part = np.maximum(
        np.round(p_cents[refunded] * rng.uniform(0.1, 0.9, size=refunded.size)), 1
    ).astype(np.int64)
    r_cents = -np.where(full, p_cents[refunded], part)
    keep = r_day <= last_day
    refunded, r_day, r_sec, r_cents = refunded[keep], r_day[keep], r_sec[keep], r_cents[keep]

    # --- zero-amount rows: same customer and day as a purchase ------------------------------
    zeroed = np.flatnonzero(rng.random(n_p) < SHARE_ZERO_ROW)
    z_sec = sample_seconds_of_day(rng, cal, zeroed.size)

    tx_local = np.concatenate((local, local[refunded], local[zeroed]))
    tx_day = np.concatenate((p_day, r_day, p_day[zeroed]))
    tx_sec = np.concatenate((p_sec, r_sec, z_sec))
    tx_cents = np.concatenate((p_cents, r_cents, np.zeros(zeroed.size, dtype=np.int64)))
    tx_epoch_second = (cal.start_epoch_day + tx_day) * SECONDS_PER_DAY + tx_sec
    order = np.lexsort((tx_epoch_second, tx_local))  # by customer, then time (stable)

    # --- events: a subset of the active customers, in bursts (drawn last) ----------------
    with_events = active & (rng.random(n) < SHARE_WITH_EVENTS)
    ev_local, e_day, e_sec, ev_name = generate_events(
        rng, cal, np.flatnonzero(with_events), signup_day, active_lo, active_hi
    )
    ev_epoch_second = (cal.start_epoch_day + e_day) * SECONDS_PER_DAY + e_sec
    ev_order = np.lexsort((ev_epoch_second, ev_local))

    # --- campaign assignments and the extra purchases of the treated (drawn after events) ----
    as_local, as_campaign, as_treated, as_day = [], [], [], []
    up_local, up_day = [], []
    for index, (_, before_end, window, share, _, uplift) in enumerate(CAMPAIGNS):
        day = last_day - before_end
        assigned = np.flatnonzero((signup_day <= day) & (rng.random(n) < share)) if day >= 0 else []
        assigned = np.asarray(assigned, dtype=np.int64)
        treated = rng.random(assigned.size) < 0.5
        as_local.append(assigned)
        as_campaign.append(np.full(assigned.size, index, dtype=np.int64))
        as_treated.append(treated)
        as_day.append(np.full(assigned.size, day, dtype=np.int64))
        bought = assigned[treated & (rng.random(assigned.size) < uplift)]
        up_local.append(bought)
        up_day.append(np.minimum(day + rng.integers(1, window + 1, size=bought.size), last_day))
    as_local_all = np.concatenate(as_local) if as_local else np.empty(0, dtype=np.int64)
    as_sec = sample_seconds_of_day(rng, cal, as_local_all.size)
    up_local_all = np.concatenate(up_local) if up_local else np.empty(0, dtype=np.int64)
    up_sec = sample_seconds_of_day(rng, cal, up_local_all.size)
    up_raw = np.exp(
        spend_mu[up_local_all] + SPEND_PURCHASE_SIGMA * rng.standard_normal(up_local_all.size)
    )
    up_cents = np.maximum(np.round(up_raw * 100.0).astype(np.int64), MIN_AMOUNT_CENTS)
    as_epoch_second = (cal.start_epoch_day + np.concatenate(as_day)) * SECONDS_PER_DAY + as_sec

    # --- acquisition channels (drawn last), and first purchases per month and channel ------
    channel_p = np.array([c[1] for c in CHANNELS])
    channel = np.where(
        rng.random(n) < SHARE_UNATTRIBUTED,
        -1,
        rng.choice(len(CHANNELS), size=n, p=channel_p / channel_p.sum()),
    )
    first_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_day, local, p_day)
    if up_local_all.size:
        np.minimum.at(first_day, up_local_all, np.concatenate(up_day))
    first_month = cal.month_index[np.minimum(first_day, cal.n_days - 1)]
    counted = (first_day <= last_day) & (channel >= 0)
    new_buyers = np.zeros((cal.n_months, len(CHANNELS)), dtype=np.int64)
    np.add.at(new_buyers, (first_month[counted], channel[counted]), 1)
    up_epoch_second = (cal.start_epoch_day + np.concatenate(up_day)) * SECONDS_PER_DAY + up_sec

    return Chunk(
        first_customer=first_customer,
        signup_epoch_day=(cal.start_epoch_day + signup_day).astype(np.int32),
        country=country,
        phone_number=phone_number,
        first_name=first_name,
        last_name=last_name,
        tx_customer=tx_local[order] + first_customer,
        tx_epoch_second=tx_epoch_second[order],
        tx_cents=tx_cents[order],
        ev_customer=ev_local[ev_order] + first_customer,
        ev_epoch_second=ev_epoch_second[ev_order],
        ev_name=ev_name[ev_order],
        as_customer=as_local_all + first_customer,
        as_campaign=np.concatenate(as_campaign),
        as_is_treated=np.concatenate(as_treated),
        as_epoch_second=as_epoch_second,
        up_customer=up_local_all + first_customer,
        up_epoch_second=up_epoch_second,
        up_cents=up_cents,
        channel=channel,
        new_buyers=new_buyers,
    )


# --------------------------------------------------------------------------------------------
# Arrow conversion
# --------------------------------------------------------------------------------------------

TRANSACTIONS_SCHEMA = pa.schema(
    [
        ("transaction_id", pa.string()),
        ("customer_id", pa.string()),
        ("transacted_at", pa.timestamp("us")),
        ("amount", pa.decimal128(18, 2)),
    ]
)
CUSTOMERS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("signup_date", pa.date32()),
        ("country", pa.string()),
        ("email", pa.string()),
        ("phone", pa.string()),
        ("full_name", pa.string()),
        ("acquisition_channel", pa.string()),
    ]
)
EVENTS_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("customer_id", pa.string()),
        ("event_type", pa.string()),
        ("event_name", pa.string()),
        ("occurred_at", pa.timestamp("us")),
    ]
)
MARKETING_SPEND_SCHEMA = pa.schema(
    [
        ("spent_on", pa.date32()),
        ("channel", pa.string()),
        ("amount", pa.decimal128(18, 2)),
    ]
)
CAMPAIGN_ASSIGNMENTS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("campaign_id", pa.string()),
        ("variant", pa.string()),
        ("assigned_at", pa.timestamp("us")),
    ]
)
SCHEMAS: dict[str, pa.Schema] = {
    "transactions": TRANSACTIONS_SCHEMA,
    "customers": CUSTOMERS_SCHEMA,
    "events": EVENTS_SCHEMA,
    "campaign_assignments": CAMPAIGN_ASSIGNMENTS_SCHEMA,
    "marketing_spend": MARKETING_SPEND_SCHEMA,
}


def format_ids(prefix: str, numbers: np.ndarray, digits: int) -> pa.Array:
    """Return ``prefix`` + zero-padded ``numbers`` (e.g. ``c00000001``) as a string array."""
    if numbers.size and int(numbers.max()) >= 10**digits:
        raise ValueError(f"id {prefix}{int(numbers.max())} exceeds {digits} digits")
    padded = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), digits, "0")
    return pc.binary_join_element_wise(prefix, padded, "")


def cents_to_decimal(cents: np.ndarray) -> pa.Array:
    """Return int64 ``cents`` as an exact ``decimal128(18, 2)`` array (no float rounding)."""
    words = np.empty((cents.shape[0], 2), dtype=np.int64)  # little-endian 128-bit integers
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension
    return pa.Array.from_buffers(pa.decimal128(18, 2), cents.shape[0], [None, pa.py_buffer(words)])


def epoch_seconds_to_timestamp(seconds: np.ndarray) -> pa.Array:
    """Return seconds since the epoch as a naive (UTC) ``timestamp[us]`` array."""
    return pa.array(seconds * 1_000_000, pa.timestamp("us"))


_FIRST_NAMES = pa.array(FIRST_NAMES, pa.string())
_LAST_NAMES = pa.array(LAST_NAMES, pa.string())
_COUNTRY_CODES = pa.array([c[0] for c in COUNTRIES], pa.string())
_CALLING_CODES = pa.array(["+" + c[1] for c in COUNTRIES], pa.string())
_EVENT_TYPES = pa.array([row[1] for row in EVENT_CATALOG], pa.string())
_EVENT_NAMES = pa.array([row[0] for row in EVENT_CATALOG], pa.string())


def customers_table(chunk: Chunk) -> pa.Table:
    """Build the ``customers`` rows of a chunk."""
    numbers = np.arange(chunk.first_customer, chunk.first_customer + chunk.n_customers)
    ids = format_ids("c", numbers, CUSTOMER_ID_DIGITS)
    phone = pc.binary_join_element_wise(
        _CALLING_CODES.take(pa.array(chunk.country)),
        pc.cast(pa.array(chunk.phone_number), pa.string()),
        "",
    )
    full_name = pc.binary_join_element_wise(
        _FIRST_NAMES.take(pa.array(chunk.first_name)),
        _LAST_NAMES.take(pa.array(chunk.last_name)),
        " ",
    )
    return pa.Table.from_arrays(
        [
            ids,
            pa.array(chunk.signup_epoch_day, pa.date32()),
            _COUNTRY_CODES.take(pa.array(chunk.country)),
            pc.binary_join_element_wise(ids, "@example.com", ""),
            phone,
            full_name,
            pc.if_else(
                pa.array(chunk.channel >= 0),
                _CHANNEL_NAMES.take(pa.array(np.maximum(chunk.channel, 0))),
                pa.scalar(None, pa.string()),
            ),
        ],
        schema=CUSTOMERS_SCHEMA,
    )


def transactions_table(chunk: Chunk, first_id: int) -> pa.Table:
    """Build the ``transactions`` rows of a chunk, numbering them from ``first_id``."""
    n = chunk.tx_customer.shape[0]
    return pa.Table.from_arrays(
        [
            format_ids("t", np.arange(first_id, first_id + n), TRANSACTION_ID_DIGITS),
            format_ids("c", chunk.tx_customer, CUSTOMER_ID_DIGITS),
            epoch_seconds_to_timestamp(chunk.tx_epoch_second),
            cents_to_decimal(chunk.tx_cents),
        ],
        schema=TRANSACTIONS_SCHEMA,
    )


def campaign_transactions_table(chunk: Chunk, first_id: int) -> pa.Table:
    """Build the extra purchases the campaigns caused, numbering them from ``first_id`` with
    their own prefix (so the other transactions keep their ids and order)."""
    n = chunk.up_customer.shape[0]
    return pa.Table.from_arrays(
        [
            format_ids(
                CAMPAIGN_TX_PREFIX, np.arange(first_id, first_id + n), TRANSACTION_ID_DIGITS
            ),
            format_ids("c", chunk.up_customer, CUSTOMER_ID_DIGITS),
            epoch_seconds_to_timestamp(chunk.up_epoch_second),
            cents_to_decimal(chunk.up_cents),
        ],
        schema=TRANSACTIONS_SCHEMA,
    )


_CAMPAIGN_IDS = pa.array([c[0] for c in CAMPAIGNS], pa.string())
_CHANNEL_NAMES = pa.array([c[0] for c in CHANNELS], pa.string())


def marketing_spend_table(cal: Calendar, new_buyers: np.ndarray, seed: int) -> pa.Table:
    """One row per month and channel, dated on the month's first day: the channel's new buyers
    x its cost per buyer x lognormal noise, plus a base (its own random stream)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 2**31 - 1])))
    cost = np.array([c[2] for c in CHANNELS])
    noise = np.exp(SPEND_NOISE_SIGMA * rng.standard_normal(new_buyers.shape))
    cents = np.round((new_buyers * cost * noise + BASE_SPEND) * 100).astype(np.int64)
    months, channels = np.meshgrid(np.arange(cal.n_months), np.arange(len(CHANNELS)), indexing="ij")
    return pa.Table.from_arrays(
        [
            pa.array([cal.month_starts[m] for m in months.ravel()], pa.date32()),
            _CHANNEL_NAMES.take(pa.array(channels.ravel())),
            cents_to_decimal(cents.ravel()),
        ],
        schema=MARKETING_SPEND_SCHEMA,
    )


_TREATMENTS = pa.array([c[4] for c in CAMPAIGNS], pa.string())


def campaign_assignments_table(chunk: Chunk) -> pa.Table:
    """Build the ``campaign_assignments`` rows of a chunk."""
    campaign = pa.array(chunk.as_campaign)
    variant = pc.if_else(
        pa.array(chunk.as_is_treated, pa.bool_()), _TREATMENTS.take(campaign), "control"
    )
    return pa.Table.from_arrays(
        [
            format_ids("c", chunk.as_customer, CUSTOMER_ID_DIGITS),
            _CAMPAIGN_IDS.take(campaign),
            variant,
            epoch_seconds_to_timestamp(chunk.as_epoch_second),
        ],
        schema=CAMPAIGN_ASSIGNMENTS_SCHEMA,
    )


def events_table(chunk: Chunk, first_id: int) -> pa.Table:
    """Build the ``events`` rows of a chunk, numbering them from ``first_id``."""
    n = chunk.ev_customer.shape[0]
    names = pa.array(chunk.ev_name)
    return pa.Table.from_arrays(
        [
            format_ids("e", np.arange(first_id, first_id + n), EVENT_ID_DIGITS),
            format_ids("c", chunk.ev_customer, CUSTOMER_ID_DIGITS),
            _EVENT_TYPES.take(names),
            _EVENT_NAMES.take(names),
            epoch_seconds_to_timestamp(chunk.ev_epoch_second),
        ],
        schema=EVENTS_SCHEMA,
    )


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


class TableWriter(Protocol):
    """A streaming writer of one table."""

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (matching the writer's schema)."""

    def close(self) -> None:
        """Finish the file."""


class ParquetTableWriter:
    """Stream a table to Parquet (one row group per chunk, Snappy compressed)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(path, schema, compression="snappy")

    def write(self, table: pa.Table) -> None:
        """Append ``table`` as a row group (empty tables are skipped)."""
        if table.num_rows:
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def close(self) -> None:
        """Write the footer and close the file."""
        self._writer.close()


class CsvTableWriter:
    """Stream a table to CSV: header row, ``YYYY-MM-DD HH:MM:SS`` timestamps, ``.`` decimals."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._csv_schema = pa.schema(
            [
                pa.field(f.name, pa.timestamp("s")) if pa.types.is_timestamp(f.type) else f
                for f in schema
            ]
        )
        self._writer = pacsv.CSVWriter(
            path,
            self._csv_schema,
            write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"),
        )

    def write(self, table: pa.Table) -> None:
        """Append ``table``; timestamps are written with whole seconds."""
        self._writer.write_table(table.cast(self._csv_schema))

    def close(self) -> None:
        """Flush and close the file."""
        self._writer.close()


def open_writer(fmt: str, path: Path, schema: pa.Schema) -> TableWriter:
    """Return the streaming writer for ``fmt`` (``parquet`` or ``csv``)."""
    if fmt == "parquet":
        return ParquetTableWriter(path, schema)
    if fmt == "csv":
        return CsvTableWriter(path, schema)
    raise ValueError(f"unknown format {fmt!r}")


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """Row counts written by :func:`generate`."""

    customers: int
    transactions: int
    events: int
    campaign_assignments: int


def chunk_bounds(customers: int) -> Iterator[tuple[int, int, int]]:
    """Yield ``(chunk_index, first_customer, size)`` for all chunks, in order."""
    for index, first in enumerate(range(1, customers + 1, CHUNK_CUSTOMERS)):
        yield index, first, min(CHUNK_CUSTOMERS, customers - first + 1)


def generated_chunks(cal: Calendar, seed: int, customers: int) -> Iterator[Chunk]:
    """Yield the chunks in order, generating the next one in a thread while one is written.

    At most two chunks are in flight, so memory stays bounded; the order of the output and
    the content of every chunk do not depend on scheduling.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque[Future[Chunk]] = deque()
        for index, first, size in chunk_bounds(customers):
            pending.append(pool.submit(generate_chunk, cal, seed, index, first, size))
            if len(pending) > 1:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def generate(
    out: Path, customers: int, months: int, end_date: dt.date, seed: int, fmt: str
) -> Result:
    """Generate the raw tables (TABLES) into ``out`` and return their row counts.

    Files are written under temporary names and moved into place at the end; the files of the
    other format for the same tables are removed so that they never shadow the new ones.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_CUSTOMERS}")
    if months < 1:
        raise ValueError("months must be at least 1")
    cal = build_calendar(end_date, months)
    out.mkdir(parents=True, exist_ok=True)
    tmp_paths = {t: out / f".{t}.{fmt}.tmp" for t in TABLES}
    writers = {t: open_writer(fmt, tmp_paths[t], SCHEMAS[t]) for t in TABLES}
    n_tx = n_ev = n_up = n_as = 0
    campaign_purchases: list[pa.Table] = []
    new_buyers = np.zeros((cal.n_months, len(CHANNELS)), dtype=np.int64)
    try:
        for chunk in generated_chunks(cal, seed, customers):
            writers["customers"].write(customers_table(chunk))
            tx = transactions_table(chunk, n_tx + 1)
            writers["transactions"].write(tx)
            n_tx += tx.num_rows
            up = campaign_transactions_table(chunk, n_up + 1)
            campaign_purchases.append(up)  # written after all others: ids stay in file order
            n_up += up.num_rows
            ev = events_table(chunk, n_ev + 1)
            writers["events"].write(ev)
            n_ev += ev.num_rows
            assignments = campaign_assignments_table(chunk)
            writers["campaign_assignments"].write(assignments)
            n_as += assignments.num_rows
            new_buyers += chunk.new_buyers
        for up in campaign_purchases:
            writers["transactions"].write(up)
        writers["marketing_spend"].write(marketing_spend_table(cal, new_buyers, seed))
    except BaseException:
        for writer in writers.values():
            writer.close()
        for path in tmp_paths.values():
            path.unlink(missing_ok=True)
        raise
    for writer in writers.values():
        writer.close()
    for table in TABLES:
        for other in FORMATS:
            if other != fmt:
                (out / f"{table}.{other}").unlink(missing_ok=True)
        tmp_paths[table].replace(out / f"{table}.{fmt}")
    return Result(
        customers=customers, transactions=n_tx + n_up, events=n_ev, campaign_assignments=n_as
    )


DESCRIPTION = (
    "Generate deterministic Strata demo data (transactions, customers, events, campaign "
    "assignments) into one folder: "
    "the same arguments always give the same files."
)
DEFAULT_END_DATE = dt.date(2025, 6, 30)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder")
    parser.add_argument("--customers", type=int, default=5000, help="number of customers")
    parser.add_argument("--months", type=int, default=24, help="calendar months of history")
    parser.add_argument(
        "--end-date",
        type=dt.date.fromisoformat,
        default=DEFAULT_END_DATE,
        help="last day of the history, YYYY-MM-DD (inclusive)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="output format")


def check(args: argparse.Namespace) -> str | None:
    if not 0 <= args.customers <= MAX_CUSTOMERS:
        return f"--customers must be between 0 and {MAX_CUSTOMERS}"
    if args.months < 1:
        return "--months must be at least 1"
    if args.seed < 0:
        return "--seed must be non-negative"
    return None


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = generate(args.out, args.customers, args.months, args.end_date, args.seed, args.format)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {args.out} ({args.format}): customers={result.customers} "
        f"transactions={result.transactions} events={result.events} "
        f"campaign_assignments={result.campaign_assignments} in {elapsed:.2f}s"
    )
    return 0
