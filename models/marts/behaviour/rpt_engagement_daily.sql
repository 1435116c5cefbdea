{#-
    One row per day and tier group (every tier, 'unscored' and 'all') from the first counted
    event to as_of_date: daily, weekly and monthly active customers and stickiness.
    Definitions: docs blocks engagement_day, dau, wau, mau and stickiness
    (models/marts/behaviour/_behaviour__docs.md).

    No customer x day table: a customer active on day d counts in the window of N days ending
    on every day from d to d + N - 1. Per customer those coverage ranges are merged into
    islands, an island is cut where the customer's tier can change (at each snapshot date),
    each piece adds +1 on its first day and -1 the day after its last, and a running sum over
    the days gives the count. 'unscored' is 'all' minus the tiers (every customer counted on a
    day has exactly one tier group).
-#}
with

events as (

    select * from {{ ref('int_events_catalogued') }}

),

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

tier_ranks as (

    select distinct
        tier,
        tier_rank

    from {{ ref('int_rfm_cells_mapped') }}

),

active_days as (

    select distinct
        customer_id,
        event_date

    from events

),

bounds as (

    select
        min(event_date) as first_event_date,
        max(as_of_date) as as_of_date

    from events
    having count(*) > 0

),

days as (

    {{ strata_period_starts('day', 'first_event_date', 'as_of_date', 'bounds') }}

),

windows as (

    select 1 as window_days
    union all
    select 7 as window_days
    union all
    select 30 as window_days

),

-- An active day starts a new island when the customer's previous active day is more than
-- window_days before it (its coverage ended before this day).
island_starts as (

    select
        active_days.customer_id,
        windows.window_days,
        active_days.event_date,
        case
            when
                {{ dbt.datediff(
                    'lag(active_days.event_date) over (partition by active_days.customer_id, windows.window_days order by active_days.event_date)',
                    'active_days.event_date',
                    'day'
                ) }} <= windows.window_days
                then 0
            else 1
        end as is_island_start

    from active_days
    cross join windows

),

numbered as (

    select
        *,
        sum(is_island_start) over (
            partition by customer_id, window_days
            order by event_date
            rows between unbounded preceding and current row
        ) as island_number

    from island_starts

),

islands as (

    select
        customer_id,
        window_days,
        min(event_date) as first_day,
        cast({{ dbt.dateadd('day', 'max(window_days) - 1', 'max(event_date)') }} as date) as last_day

    from numbered
    group by customer_id, window_days, island_number

),

-- The days on which a customer has the tier of snapshot S: from S to the day before the next
-- snapshot date.
tier_periods as (

    select
        snapshot_date,
        coalesce(
            cast({{ dbt.dateadd('day', -1, 'lead(snapshot_date) over (order by snapshot_date)') }} as date),
            snapshot_date
        ) as period_end

    from snapshot_dates

),

tier_pieces as (

    select
        tier_history.tier,
        greatest(islands.first_day, tier_periods.snapshot_date) as first_day,
        least(islands.last_day, tier_periods.period_end) as last_day,
        islands.window_days

    from islands
    inner join tier_periods
        on
            islands.first_day <= tier_periods.period_end
            and islands.last_day >= tier_periods.snapshot_date
    inner join tier_history
        on
            islands.customer_id = tier_history.customer_id
            and tier_periods.snapshot_date = tier_history.snapshot_date

),

pieces as (

    select
        'all' as tier,
        first_day,
        last_day,
        window_days

    from islands

    union all

    select * from tier_pieces

),

deltas as (

    select
        tier,
        window_days,
        first_day as activity_date,
        1 as delta

    from pieces

    union all

    select
        tier,
        window_days,
        cast({{ dbt.dateadd('day', 1, 'last_day') }} as date) as activity_date,
        -1 as delta

    from pieces

),

daily_deltas as (

    select
        tier,
        activity_date,
        sum(case when window_days = 1 then delta else 0 end) as dau_delta,
        sum(case when window_days = 7 then delta else 0 end) as wau_delta,
        sum(case when window_days = 30 then delta else 0 end) as mau_delta

    from deltas
    group by tier, activity_date

),

tier_groups as (

    select
        tier,
        tier_rank

    from tier_ranks

    union all

    select
        'unscored' as tier,
        cast(null as integer) as tier_rank

    union all

    select
        'all' as tier,
        cast(null as integer) as tier_rank

),

grid as (

    select
        days.period_start as activity_date,
        tier_groups.tier,
        tier_groups.tier_rank,
        cast(sum(coalesce(daily_deltas.dau_delta, 0)) over (
            partition by tier_groups.tier order by days.period_start
        ) as bigint) as dau,
        cast(sum(coalesce(daily_deltas.wau_delta, 0)) over (
            partition by tier_groups.tier order by days.period_start
        ) as bigint) as wau,
        cast(sum(coalesce(daily_deltas.mau_delta, 0)) over (
            partition by tier_groups.tier order by days.period_start
        ) as bigint) as mau

    from days
    cross join tier_groups
    left join daily_deltas
        on
            days.period_start = daily_deltas.activity_date
            and tier_groups.tier = daily_deltas.tier

),

scored_totals as (

    select
        activity_date,
        sum(dau) as dau,
        sum(wau) as wau,
        sum(mau) as mau

    from grid
    where tier not in ('all', 'unscored')
    group by activity_date

),

counts as (

    select
        grid.activity_date,
        grid.tier,
        grid.tier_rank,
        case when grid.tier = 'unscored' then all_tiers.dau - coalesce(scored_totals.dau, 0) else grid.dau end as dau,
        case when grid.tier = 'unscored' then all_tiers.wau - coalesce(scored_totals.wau, 0) else grid.wau end as wau,
        case when grid.tier = 'unscored' then all_tiers.mau - coalesce(scored_totals.mau, 0) else grid.mau end as mau

    from grid
    inner join grid as all_tiers
        on
            grid.activity_date = all_tiers.activity_date
            and all_tiers.tier = 'all'
    left join scored_totals
        on grid.activity_date = scored_totals.activity_date

),

engagement as (

    select
        activity_date,
        tier,
        tier_rank,
        cast(dau as bigint) as dau,
        cast(wau as bigint) as wau,
        cast(mau as bigint) as mau,
        cast(dau as {{ strata_type_double() }}) / nullif(mau, 0) as stickiness

    from counts

)

select * from engagement
