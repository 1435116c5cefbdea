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
{#- The active-customer counts and their windows, in days (docs blocks dau, wau, mau). -#}
{%- set active_windows = [('dau', 1), ('wau', 7), ('mau', 30)] %}
with

active_days as (

    select * from {{ ref('int_customer_event_days') }}

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


bounds as (

    select
        min(event_date) as first_event_date,
        max(as_of_date) as as_of_date

    from active_days
    having count(*) > 0

),

days as (

    {{ strata_period_starts('day', 'first_event_date', 'as_of_date', 'bounds') }}

),

-- Days since the customer's previous active day (null for its first).
gaps as (

    select
        customer_id,
        event_date,
        {{ dbt.datediff(
            'lag(event_date) over (partition by customer_id order by event_date)',
            'event_date',
            'day'
        ) }} as days_since_previous

    from active_days

),

-- For each window of N days (active_windows), an active day starts a new island when the previous
-- one is more than N days before it (its window ended before this day); the running count of
-- starts numbers the islands. The three counts come from one sort.
numbered as (

    select
        customer_id,
        {%- for _, window_days in active_windows %}
            sum(case when days_since_previous <= {{ window_days }} then 0 else 1 end) over (
                partition by customer_id
                order by event_date
                rows between unbounded preceding and current row
            ) as island_{{ window_days }},
        {%- endfor %}
        event_date

    from gaps

),

islands as (

    {%- for _, window_days in active_windows %}
        {%- if not loop.first %}

            union all
        {%- endif %}

        select
            customer_id,
            {{ window_days }} as window_days,
            min(event_date) as first_day,
            cast({{ dbt.dateadd('day', window_days - 1, 'max(event_date)') }} as date) as last_day

        from numbered
        group by customer_id, island_{{ window_days }}
    {%- endfor %}

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
        {%- for measure, window_days in active_windows %}
            sum(case when window_days = {{ window_days }} then delta else 0 end) as {{ measure }}_delta,
        {%- endfor %}
        activity_date

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
