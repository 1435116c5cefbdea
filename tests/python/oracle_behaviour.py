"""Independent pure-Python reference implementation of the behaviour definitions (issue 15).

Written from the written definition of the behaviour marts (issue 15: inputs, seeds, weeks and
one section per mart; its wording is in models/marts/behaviour/_behaviour__docs.md), never from
the SQL. No SQL is used for any computation: pyarrow / csv
are only used to LOAD raw files (`oracle.read_raw_table`) and the seed CSVs. Dates are
`datetime.date`; shares, rates and stickiness are exact `fractions.Fraction` ratios turned into
floats at the end.

Entry point: `compute_behaviour(events, first_seen, catalog, bands, tiering, behaviour_vars,
rfm_bins, seeds_dir)`:
- events: the valid events as `Event(event_id, customer_id, event_name, event_date)` (or 4-tuples
  in that order), one per event_id, all of them (also after as_of_date), e.g.
  `load_valid_events_with_names(raw_dir)`;
- first_seen: customer_id -> first_seen_date (None: no dated trace) of every customer seen
  anywhere, `oracle_lifecycle.first_seen_dates(transactions, profiles, event_days(events))`;
- catalog / bands: `load_event_catalog(seeds_dir)` / `load_usage_depth_bands(seeds_dir)` (None:
  read them from seeds_dir);
- tiering: the `oracle.OracleResult` of `oracle.compute` on the same transactions (as_of_date,
  the snapshot calendar and the tier of every scored customer at every snapshot);
- behaviour_vars: `BehaviourVars` or a mapping of dbt vars (content_window_days,
  content_min_events); rfm_bins / seeds_dir: which rfm_tier_bands rows make the tier groups.
It returns a `BehaviourResult` holding the expected rows of fct_customer_usage_weekly,
rpt_usage_depth_weekly, fct_customer_content_preference, rpt_engagement_daily,
rpt_activation_retention and the behaviour columns of dim_customers, as lists of dicts keyed by
the column names (the definition does not name the key columns of rpt_engagement_daily: they are
ENGAGEMENT_DAY_COLUMN and ENGAGEMENT_GROUP_COLUMN, the names of the mart's yml, plus its
tier_rank).

Readings chosen where the definitions leave room:
- Counted events (event_date <= as_of_date) feed every mart; first_seen_date uses all valid data,
  also after as_of_date. With no counted event the week calendar and the day range are empty, so
  every behaviour mart is empty, and both dim_customers columns are null (no behaviour data).
- fct_customer_usage_weekly.previous_usage_band looks at the calendar week before, also for the
  first week of the calendar (which has, by construction, no counted event before it): a
  customer first seen on or before week_start - 1 gets 'inactive' there, else null. Only
  rpt_usage_depth_weekly has the rule "at the first week of the calendar every customer is
  'unseen'".
- A week with events where no band of the seed has both minimums met has a null usage_band and
  band_rank (cannot happen with the shipped seed, whose shallow band needs 0 features and 1 day);
  rpt_usage_depth_weekly then counts it under a null band.
- rpt_usage_depth_weekly: the previous week W-1 of a customer is judged with the same "known"
  rule as the week itself: known in W-1 when first_seen_date <= week_start(W) - 1.
  previous_week_start is week_start - 7 for every week but the first (null there).
- Content preference: the largest share is the largest count (shares share one denominator);
  'mixed' when two or more categories have it. A customer below content_min_events is
  'undetermined' whatever its shares. The window is content_window_days days ending on
  as_of_date, both ends included.
- dim_customers.current_usage_band is the band in the week ending on the latest Sunday <=
  as_of_date; null when that week lies before the week calendar (events were not tracked yet).
  current_content_preference of a customer with content events in the window is its
  content_preference ('undetermined' when below the minimum).
- rpt_engagement_daily: the tier of a customer on day D is looked up at the latest snapshot_date
  <= D of the snapshot calendar (tiering.snapshot_dates); a customer not scored at that snapshot
  (or any day before the first snapshot) is 'unscored'. Groups are 'all', the tiers of
  rfm_tier_bands for rfm_bins (highest tier_rank first) and 'unscored'; zero rows included.
- rpt_activation_retention has rows only for cohort weeks with at least one customer (a row
  per day N of var retention_days, default 1, 7, 30). A retained customer is eligible by
  definition; an event exactly on first_event_date + N is also within [first_event_date + 1,
  first_event_date + N].
"""

from __future__ import annotations

import bisect
import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import oracle

SEEDS_DIR = oracle.SEEDS_DIR
INACTIVE = "inactive"
UNSEEN = "unseen"
UNDETERMINED = "undetermined"
MIXED = "mixed"
ALL_GROUP = "all"
UNSCORED = "unscored"
RETENTION_DAYS = (1, 7, 30)
# rpt_engagement_daily: the definition names the grain (day, tier group) but not its columns;
# these are the names of its yml (models/marts/behaviour/_behaviour__models.yml), which also has
# tier_rank (the seed's rank of the tier, null for 'all' and 'unscored').
ENGAGEMENT_DAY_COLUMN = "activity_date"
ENGAGEMENT_GROUP_COLUMN = "tier"


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One valid event (a row of fct_events): ids trimmed, name trimmed (None when blank),
    event_date = UTC date of occurred_at."""

    event_id: str
    customer_id: str
    event_name: str | None
    event_date: date


@dataclass(frozen=True)
class CatalogEntry:
    event_name: str
    is_core_feature: bool
    feature: str | None
    content_category: str | None  # None: not a content event


@dataclass(frozen=True)
class UsageBand:
    usage_band: str
    band_rank: int
    min_core_features: int
    min_active_days: int


@dataclass(frozen=True)
class BehaviourVars:
    """The behaviour vars (dbt vars), with the defaults of the definition."""

    content_window_days: int = 90
    content_min_events: int = 3
    retention_days: tuple[int, ...] = RETENTION_DAYS

    @classmethod
    def from_vars(cls, overrides: Mapping[str, object] | None = None) -> BehaviourVars:
        """The defaults, with the given dbt vars overriding them (other vars are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(
            **{
                k: tuple(int(n) for n in v) if k == "retention_days" else int(v)
                for k, v in (overrides or {}).items()
                if k in names
            }
        )


def _blank_to_none(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    return value


def _parse_bool(value: str, where: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("true", "t", "1", "yes"):
        return True
    if text in ("false", "f", "0", "no"):
        return False
    raise ValueError(f"{where}: not a boolean: {value!r}")


def load_event_catalog(seeds_dir: Path = SEEDS_DIR) -> dict[str, CatalogEntry]:
    """event_name -> catalog row of <seeds_dir>/event_catalog.csv (names matched exactly)."""
    path = Path(seeds_dir) / "event_catalog.csv"
    catalog: dict[str, CatalogEntry] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["event_name"]
            entry = CatalogEntry(
                event_name=name,
                is_core_feature=_parse_bool(row["is_core_feature"], f"{path} {name}"),
                feature=_blank_to_none(row.get("feature")),
                content_category=_blank_to_none(row.get("content_category")),
            )
            if entry.is_core_feature and entry.feature is None:
                raise ValueError(f"{path}: core event {name!r} without a feature")
            if name in catalog:
                raise ValueError(f"{path}: event_name {name!r} twice")
            catalog[name] = entry
    return catalog


def load_usage_depth_bands(seeds_dir: Path = SEEDS_DIR) -> list[UsageBand]:
    """The rows of <seeds_dir>/usage_depth_bands.csv."""
    path = Path(seeds_dir) / "usage_depth_bands.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            UsageBand(
                usage_band=row["usage_band"],
                band_rank=int(row["band_rank"]),
                min_core_features=int(row["min_core_features"]),
                min_active_days=int(row["min_active_days"]),
            )
            for row in csv.DictReader(fh)
        ]


def load_valid_events_with_names(raw_dir: Path) -> list[Event]:
    """The valid events of <raw_dir>/events.parquet|.csv, one per event_id, for data whose rows
    are all valid (the caller checks that marts.fct_events_quarantined is empty).

    Identifiers and names are trimmed (blank = None), event_date is the UTC date of
    occurred_at. Rows equal in every parsed column (event_id, customer_id, event_type,
    event_name, the instant of occurred_at) collapse into one, as fct_events has them. Raises on
    a row that would be quarantined for a missing id or an unparseable occurred_at, and on an
    event_id with different versions (conflicting_duplicate). No events file: []."""
    rows = oracle.read_raw_table(Path(raw_dir), "events") or []
    versions: dict[str, set[tuple]] = defaultdict(set)
    for row in rows:
        event_id = oracle._trim(row.get("event_id"))
        customer_id = oracle._trim(row.get("customer_id"))
        instant = oracle.parse_utc_instant(row.get("occurred_at"))
        if event_id is None or customer_id is None or instant is None:
            raise ValueError(f"events row that is not valid: {row}")
        versions[event_id].add(
            (
                customer_id,
                oracle._trim(row.get("event_type")),
                oracle._trim(row.get("event_name")),
                instant,
            )
        )
    events: list[Event] = []
    for event_id in sorted(versions):
        contents = versions[event_id]
        if len(contents) > 1:
            raise ValueError(f"event_id {event_id!r} has conflicting versions: {contents}")
        ((customer_id, _event_type, event_name, instant),) = contents
        events.append(Event(event_id, customer_id, event_name, instant[0].date()))
    return events


def event_days(events: Iterable[Event]) -> list[tuple[str, date]]:
    """(customer_id, event_date) pairs, the events argument of
    oracle_lifecycle.first_seen_dates."""
    return [(e.customer_id, e.event_date) for e in events]


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday on or before day (ISO week)."""
    return day - timedelta(days=day.weekday())


def latest_sunday(day: date) -> date:
    """The latest Sunday on or before day."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def usage_band_for(
    core_features_used: int, active_days: int, bands: Iterable[UsageBand]
) -> UsageBand | None:
    """The band with the highest band_rank whose two minimums both hold (None: no band)."""
    matching = [
        b
        for b in bands
        if core_features_used >= b.min_core_features and active_days >= b.min_active_days
    ]
    return max(matching, key=lambda b: b.band_rank) if matching else None


def content_preference_for(category_events: Mapping[str, int], min_events: int) -> str:
    """The customer-level content_preference of its content events per category."""
    total = sum(category_events.values())
    if total < min_events:
        return UNDETERMINED
    top = max(category_events.values())
    leaders = [c for c, n in category_events.items() if n == top]
    return leaders[0] if len(leaders) == 1 else MIXED


def _ratio(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return float(Fraction(numerator, denominator))


def _sort_text(value: str | None) -> str:
    return "" if value is None else value


# --------------------------------------------------------------------------------------------
# All behaviour marts
# --------------------------------------------------------------------------------------------


@dataclass
class BehaviourResult:
    as_of_date: date
    week_starts: list[date] = field(default_factory=list)  # the week calendar
    usage_weekly: list[dict] = field(default_factory=list)
    usage_depth_weekly: list[dict] = field(default_factory=list)
    content_preference: list[dict] = field(default_factory=list)
    engagement_daily: list[dict] = field(default_factory=list)
    activation_retention: list[dict] = field(default_factory=list)
    # customer_id, current_usage_band, current_content_preference
    dim_customers: list[dict] = field(default_factory=list)
    # (customer_id, week_start) -> usage band name (None: no band matched) of active weeks
    band_in: dict[tuple[str, date], str | None] = field(default_factory=dict)


def _as_event(value) -> Event:
    return value if isinstance(value, Event) else Event(*value)


def compute_behaviour(
    events: Iterable[Event | tuple],
    first_seen: Mapping[str, date | None],
    catalog: Mapping[str, CatalogEntry] | None,
    bands: Iterable[UsageBand] | None,
    tiering: oracle.OracleResult,
    behaviour_vars: BehaviourVars | Mapping[str, object] | None = None,
    rfm_bins: int = 5,
    seeds_dir: Path = SEEDS_DIR,
) -> BehaviourResult:
    """Expected rows of the behaviour marts (see the module docstring for the arguments)."""
    if isinstance(behaviour_vars, BehaviourVars):
        v = behaviour_vars
    else:
        v = BehaviourVars.from_vars(behaviour_vars)
    if catalog is None:
        catalog = load_event_catalog(seeds_dir)
    bands = list(load_usage_depth_bands(seeds_dir) if bands is None else bands)
    rank_of_band = {b.usage_band: b.band_rank for b in bands}
    tier_bands = sorted(oracle.load_seeds(rfm_bins, seeds_dir).bands, key=lambda b: -b.tier_rank)
    groups = [ALL_GROUP, *(b.tier for b in tier_bands), UNSCORED]
    tier_rank_of = {b.tier: b.tier_rank for b in tier_bands}

    as_of = tiering.as_of_date
    result = BehaviourResult(as_of_date=as_of)
    all_events = [_as_event(e) for e in events]
    ids = Counter(e.event_id for e in all_events)
    repeated = [i for i, n in ids.items() if n > 1]
    if repeated:
        raise ValueError(f"events must have one row per event_id: {repeated[:5]}")
    for e in all_events:
        seen = first_seen.get(e.customer_id)
        if seen is None or seen > e.event_date:
            raise ValueError(f"first_seen does not cover event {e} (first seen {seen})")

    counted = [e for e in all_events if e.event_date <= as_of]

    # ---- fct_customer_usage_weekly
    week_events: dict[tuple[str, date], list[Event]] = defaultdict(list)
    for e in counted:
        week_events[(e.customer_id, week_start(e.event_date))].append(e)
    stats: dict[tuple[str, date], tuple[int, int, int]] = {}  # events, active days, features
    for key, rows in week_events.items():
        features = {
            catalog[e.event_name].feature
            for e in rows
            if e.event_name in catalog and catalog[e.event_name].is_core_feature
        }
        stats[key] = (len(rows), len({e.event_date for e in rows}), len(features))
        band = usage_band_for(stats[key][2], stats[key][1], bands)
        result.band_in[key] = band.usage_band if band else None

    def band_the_week_before(customer_id: str, start: date) -> str | None:
        """The band in the week before `start`: inactive when known then without an event;
        None when first seen in the week of `start` (or later)."""
        previous = start - timedelta(days=7)
        if (customer_id, previous) in result.band_in:
            return result.band_in[(customer_id, previous)]
        seen = first_seen.get(customer_id)
        if seen is not None and seen <= start - timedelta(days=1):
            return INACTIVE
        return None

    for customer_id, start in sorted(week_events):
        end = start + timedelta(days=6)
        band_name = result.band_in[(customer_id, start)]
        previous_band = band_the_week_before(customer_id, start)
        n_events, active_days, core_features = stats[(customer_id, start)]
        result.usage_weekly.append(
            {
                "customer_id": customer_id,
                "week_start": start,
                "week_end": end,
                "is_complete_week": end <= as_of,
                "events": n_events,
                "active_days": active_days,
                "core_features_used": core_features,
                "usage_band": band_name,
                "band_rank": rank_of_band[band_name] if band_name is not None else None,
                "previous_usage_band": previous_band,
            }
        )

    # ---- the week calendar and rpt_usage_depth_weekly
    if counted:
        first_week = week_start(min(e.event_date for e in counted))
        last_week = week_start(as_of)
        day = first_week
        while day <= last_week:
            result.week_starts.append(day)
            day += timedelta(days=7)
    seen_customers = {c: d for c, d in first_seen.items() if d is not None}
    for index, start in enumerate(result.week_starts):
        end = start + timedelta(days=6)
        known = [c for c, d in seen_customers.items() if d <= min(end, as_of)]
        previous = start - timedelta(days=7)
        pairs: Counter[tuple[str | None, str | None]] = Counter()
        for customer_id in known:
            key = (customer_id, start)
            to_band = result.band_in[key] if key in result.band_in else INACTIVE
            before = band_the_week_before(customer_id, start)
            from_band = UNSEEN if index == 0 or before is None else before
            pairs[(from_band, to_band)] += 1
        from_counts: Counter[str | None] = Counter()
        for (from_band, _to_band), customers in pairs.items():
            from_counts[from_band] += customers
        for (from_band, to_band), customers in sorted(
            pairs.items(), key=lambda item: (_sort_text(item[0][0]), _sort_text(item[0][1]))
        ):
            result.usage_depth_weekly.append(
                {
                    "week_start": start,
                    "previous_week_start": previous if index > 0 else None,
                    "from_band": from_band,
                    "to_band": to_band,
                    "customers": customers,
                    "from_band_customers": from_counts[from_band],
                    "share_of_from_band": _ratio(customers, from_counts[from_band]),
                    "share_of_known_customers": _ratio(customers, len(known)),
                    "is_complete_week": end <= as_of,
                }
            )

    # ---- fct_customer_content_preference
    window_start = as_of - timedelta(days=v.content_window_days - 1)
    content: dict[str, Counter[str]] = defaultdict(Counter)
    for e in counted:
        if window_start <= e.event_date <= as_of and e.event_name in catalog:
            category = catalog[e.event_name].content_category
            if category is not None:
                content[e.customer_id][category] += 1
    preference_of: dict[str, str] = {}
    for customer_id in sorted(content):
        categories = content[customer_id]
        total = sum(categories.values())
        preference = content_preference_for(categories, v.content_min_events)
        preference_of[customer_id] = preference
        for category in sorted(categories):
            result.content_preference.append(
                {
                    "customer_id": customer_id,
                    "content_category": category,
                    "content_events": categories[category],
                    "content_share": _ratio(categories[category], total),
                    "customer_content_events": total,
                    "content_preference": preference,
                    "as_of_date": as_of,
                    "window_start_date": window_start,
                }
            )

    # ---- dim_customers
    # Without any counted event there is no behaviour data: both columns are null; the band is
    # also null when the latest complete week lies before the week of the first counted event.
    sunday = latest_sunday(as_of)
    current_week = week_start(sunday)
    has_events = bool(counted)
    band_week_tracked = has_events and current_week >= week_start(
        min(e.event_date for e in counted)
    )
    for customer_id in sorted(first_seen):
        seen = first_seen[customer_id]
        key = (customer_id, current_week)
        if key in result.band_in:
            usage_band = result.band_in[key]
        elif band_week_tracked and seen is not None and seen <= sunday:
            usage_band = INACTIVE
        else:
            usage_band = None
        if customer_id in preference_of:
            preference = preference_of[customer_id]
        elif has_events and seen is not None and seen <= as_of:
            preference = UNDETERMINED
        else:
            preference = None
        result.dim_customers.append(
            {
                "customer_id": customer_id,
                "current_usage_band": usage_band,
                "current_content_preference": preference,
            }
        )

    result.engagement_daily = _engagement_daily(counted, tiering, groups, tier_rank_of)
    result.activation_retention = _activation_retention(counted, as_of, v.retention_days)
    return result


def _engagement_daily(
    counted: list[Event],
    tiering: oracle.OracleResult,
    groups: list[str],
    tier_rank_of: Mapping[str, int],
) -> list[dict]:
    """rpt_engagement_daily from the counted events."""
    if not counted:
        return []
    as_of = tiering.as_of_date
    snapshots = sorted(tiering.snapshot_dates)
    tier_at = {(r["customer_id"], r["snapshot_date"]): r["tier"] for r in tiering.tier_history}
    unknown_tiers = set(tier_at.values()) - set(groups)
    if unknown_tiers:
        raise ValueError(f"tiers {unknown_tiers} are not in rfm_tier_bands")

    active_on: dict[date, set[str]] = defaultdict(set)
    for e in counted:
        active_on[e.event_date].add(e.customer_id)
    first_day = min(active_on)

    def customers_in(last_day: date, days: int) -> set[str]:
        found: set[str] = set()
        for back in range(days):
            found |= active_on.get(last_day - timedelta(days=back), set())
        return found

    rows = []
    day = first_day
    while day <= as_of:
        position = bisect.bisect_right(snapshots, day) - 1
        snapshot = snapshots[position] if position >= 0 else None

        def tier_on(customer_id: str, snapshot: date | None = snapshot) -> str:
            if snapshot is None:
                return UNSCORED
            return tier_at.get((customer_id, snapshot), UNSCORED)

        counts = {name: Counter() for name in ("dau", "wau", "mau")}
        for name, days in (("dau", 1), ("wau", 7), ("mau", 30)):
            for customer_id in customers_in(day, days):
                counts[name][ALL_GROUP] += 1
                counts[name][tier_on(customer_id)] += 1
        for group in groups:
            dau, wau, mau = (counts[name][group] for name in ("dau", "wau", "mau"))
            rows.append(
                {
                    ENGAGEMENT_DAY_COLUMN: day,
                    ENGAGEMENT_GROUP_COLUMN: group,
                    "tier_rank": tier_rank_of.get(group),
                    "dau": dau,
                    "wau": wau,
                    "mau": mau,
                    "stickiness": _ratio(dau, mau),
                }
            )
        day += timedelta(days=1)
    return rows


def _activation_retention(
    counted: list[Event], as_of: date, retention_days: tuple[int, ...]
) -> list[dict]:
    """rpt_activation_retention from the counted events."""
    days_of: dict[str, set[date]] = defaultdict(set)
    for e in counted:
        days_of[e.customer_id].add(e.event_date)
    cohorts: dict[date, list[str]] = defaultdict(list)
    first_of: dict[str, date] = {}
    for customer_id, days in days_of.items():
        first_of[customer_id] = min(days)
        cohorts[week_start(first_of[customer_id])].append(customer_id)

    rows = []
    for cohort in sorted(cohorts):
        members = cohorts[cohort]
        for n in retention_days:
            eligible = [c for c in members if first_of[c] + timedelta(days=n) <= as_of]
            on_day = sum(1 for c in eligible if first_of[c] + timedelta(days=n) in days_of[c])
            by_day = sum(
                1
                for c in eligible
                if any(first_of[c] < d <= first_of[c] + timedelta(days=n) for d in days_of[c])
            )
            rows.append(
                {
                    "cohort_week_start": cohort,
                    "day_n": n,
                    "cohort_customers": len(members),
                    "eligible_customers": len(eligible),
                    "retained_on_day": on_day,
                    "retained_by_day": by_day,
                    "retention_rate_on_day": _ratio(on_day, len(eligible)),
                    "retention_rate_by_day": _ratio(by_day, len(eligible)),
                }
            )
    return rows
