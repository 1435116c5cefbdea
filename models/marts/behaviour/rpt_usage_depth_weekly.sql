{#-
    One row per ISO week and (from_band, to_band) pair with at least one customer: how the
    customers known in the week moved between usage depth bands since the week before, in the
    shape of fct_tier_migrations. Definitions: docs blocks usage_week_calendar, from_band and
    to_band (models/marts/behaviour/_behaviour__docs.md).

    Customers without an event in a week ('inactive') are not stored per customer and week: the
    moves into, out of and within 'inactive' are counted from the weekly rows and the number of
    customers known at each week (first seen on or before it), so the cost follows the active
    weeks, not customers x weeks.
-#}
with

usage_weekly as (

    select * from {{ ref('fct_customer_usage_weekly') }}

),

event_days as (

    select * from {{ ref('int_customer_event_days') }}

),

first_seen as (

    select * from {{ ref('int_customer_first_seen') }}

),

calendar_bounds as (

    select
        min(event_date) as first_event_date,
        {{ strata_week_start('min(event_date)') }} as first_week_start,
        max(as_of_date) as as_of_date

    from event_days
    having count(*) > 0

),

week_starts as (

    {{ strata_period_starts('week', 'first_event_date', 'as_of_date', 'calendar_bounds') }}

),

calendar as (

    select
        week_starts.period_start as week_start,
        lag(week_starts.period_start) over (order by week_starts.period_start) as previous_week_start,
        {{ strata_week_end('week_starts.period_start') }} <= calendar_bounds.as_of_date as is_complete_week,
        week_starts.period_start = min(week_starts.period_start) over () as is_first_week

    from week_starts
    cross join calendar_bounds

),

-- Customers first seen on or before as_of_date, by the calendar week they were first seen in
-- (the first week for those seen before it).
newly_known as (

    select
        greatest(
            {{ strata_week_start('first_seen.first_seen_date') }},
            calendar_bounds.first_week_start
        ) as week_start,
        count(*) as customers

    from first_seen
    cross join calendar_bounds
    where first_seen.first_seen_date <= calendar_bounds.as_of_date
    group by 1

),

active_counts as (

    select
        week_start,
        count(*) as active_customers

    from usage_weekly
    group by 1

),

weekly_counts as (

    select
        calendar.week_start,
        calendar.previous_week_start,
        calendar.is_complete_week,
        calendar.is_first_week,
        coalesce(newly_known.customers, 0) as newly_known_customers,
        cast(sum(coalesce(newly_known.customers, 0)) over (order by calendar.week_start) as bigint) as known_customers,
        coalesce(active_counts.active_customers, 0) as active_customers

    from calendar
    left join newly_known
        on calendar.week_start = newly_known.week_start
    left join active_counts
        on calendar.week_start = active_counts.week_start

),

into_bands as (

    select
        usage_weekly.week_start,
        case
            when weekly_counts.is_first_week or usage_weekly.previous_usage_band is null then 'unseen'
            else usage_weekly.previous_usage_band
        end as from_band,
        usage_weekly.usage_band as to_band,
        count(*) as customers

    from usage_weekly
    inner join weekly_counts
        on usage_weekly.week_start = weekly_counts.week_start
    group by 1, 2, 3

),

next_active_weeks as (

    select
        usage_band,
        week_start,
        lead(week_start) over (partition by customer_id order by week_start) as next_active_week_start

    from usage_weekly

),

out_of_bands as (

    select
        weekly_counts.week_start,
        next_active_weeks.usage_band as from_band,
        'inactive' as to_band,
        count(*) as customers

    from next_active_weeks
    inner join weekly_counts
        on next_active_weeks.week_start = weekly_counts.previous_week_start
    where
        next_active_weeks.next_active_week_start is null
        or next_active_weeks.next_active_week_start > weekly_counts.week_start
    group by 1, 2, 3

),

moves_from as (

    select
        week_start,
        sum(case when from_band = 'unseen' then customers else 0 end) as from_unseen_active,
        sum(case when from_band = 'inactive' then customers else 0 end) as from_inactive_active

    from into_bands
    group by 1

),

within_inactive as (

    select
        weekly_counts.week_start,
        'unseen' as from_band,
        'inactive' as to_band,
        case
            when weekly_counts.is_first_week then weekly_counts.known_customers - weekly_counts.active_customers
            else weekly_counts.newly_known_customers - coalesce(moves_from.from_unseen_active, 0)
        end as customers

    from weekly_counts
    left join moves_from
        on weekly_counts.week_start = moves_from.week_start

    union all

    select
        weekly_counts.week_start,
        'inactive' as from_band,
        'inactive' as to_band,
        previous_counts.known_customers - previous_counts.active_customers
        - coalesce(moves_from.from_inactive_active, 0) as customers

    from weekly_counts
    inner join weekly_counts as previous_counts
        on weekly_counts.previous_week_start = previous_counts.week_start
    left join moves_from
        on weekly_counts.week_start = moves_from.week_start

),

moves as (

    select * from into_bands
    union all
    select * from out_of_bands
    union all
    select * from within_inactive

),

migrations as (

    select
        weekly_counts.week_start,
        weekly_counts.previous_week_start,
        moves.from_band,
        moves.to_band,
        cast(moves.customers as bigint) as customers,
        cast(
            sum(moves.customers) over (partition by moves.week_start, moves.from_band) as bigint
        ) as from_band_customers,
        cast(moves.customers as {{ strata_type_double() }})
        / sum(moves.customers) over (partition by moves.week_start, moves.from_band) as share_of_from_band,
        cast(moves.customers as {{ strata_type_double() }})
        / weekly_counts.known_customers as share_of_known_customers,
        weekly_counts.is_complete_week

    from moves
    inner join weekly_counts
        on moves.week_start = weekly_counts.week_start
    -- <> 0, not > 0: a negative count (a bug) stays visible and fails the range test.
    where moves.customers <> 0

)

select * from migrations
