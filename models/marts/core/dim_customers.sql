-- Built after the quarantine limit tests of the raw customers (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_customers_quarantined') }}
with

first_seen as (

    select * from {{ ref('int_customer_first_seen') }}

),

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

current_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

lifecycle_history as (

    select * from {{ ref('fct_customer_lifecycle_history') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

usage_weekly as (

    select * from {{ ref('fct_customer_usage_weekly') }}

),

content_preferences as (

    select * from {{ ref('fct_customer_content_preference') }}

),

customer_value as (

    select * from {{ ref('fct_customer_value') }}

),

event_days as (

    select * from {{ ref('int_customer_event_days') }}

),

event_bounds as (

    select min(event_date) as first_event_date
    from event_days

),

-- The latest complete ISO week: the one ending on the latest Sunday on or before as_of_date.
latest_complete_week as (

    select
        {{ strata_week_start(dbt.dateadd('day', -6, 'snapshot_date')) }} as week_start,
        snapshot_date as as_of_date

    from snapshot_dates
    where is_as_of_date

),

-- Whether there are counted events at all, and whether that week is in the behaviour calendar
-- (which starts at the week of the first counted event).
usage_band_week as (

    select
        latest_complete_week.week_start,
        {{ strata_week_end('latest_complete_week.week_start') }} as week_end,
        latest_complete_week.as_of_date,
        event_bounds.first_event_date is not null as has_events,
        latest_complete_week.week_start
        >= {{ strata_week_start('event_bounds.first_event_date') }} as is_week_tracked

    from latest_complete_week
    cross join event_bounds

),

current_usage_bands as (

    select
        usage_weekly.customer_id,
        usage_weekly.usage_band

    from usage_weekly
    inner join usage_band_week
        on usage_weekly.week_start = usage_band_week.week_start

),

-- content_preference is the same on each of a customer's rows.
current_content_preferences as (

    select
        customer_id,
        max(content_preference) as content_preference

    from content_preferences
    group by customer_id

),

customer_profiles as (

    select
        customer_id,
        country,
        acquisition_channel

    from validated_customers
    where reject_reason is null

),

current_stages as (

    select
        lifecycle_history.customer_id,
        lifecycle_history.lifecycle_stage

    from lifecycle_history
    inner join snapshot_dates
        on lifecycle_history.snapshot_date = snapshot_dates.snapshot_date
    where snapshot_dates.is_as_of_date

),

customers as (

    select
        first_seen.customer_id,
        customer_profiles.country,
        customer_profiles.acquisition_channel,
        current_rfm.tier as current_tier,
        current_rfm.segment as current_segment,
        current_rfm.rfm_cell as current_rfm_cell,
        current_stages.lifecycle_stage as current_lifecycle_stage,
        case
            when current_usage_bands.customer_id is not null then current_usage_bands.usage_band
            when usage_band_week.is_week_tracked and first_seen.first_seen_date <= usage_band_week.week_end
                then 'inactive'
        end as current_usage_band,
        case
            when current_content_preferences.customer_id is not null then current_content_preferences.content_preference
            when usage_band_week.has_events and first_seen.first_seen_date <= usage_band_week.as_of_date
                then 'undetermined'
        end as current_content_preference,
        customer_value.value_tier as current_value_tier,
        customer_value.predicted_clv,
        customer_value.churn_risk,
        current_rfm.customer_id is not null as is_scored,
        customer_profiles.customer_id is not null as has_profile,
        first_seen.signup_date,
        first_seen.first_seen_date,
        current_rfm.first_purchase_date,
        current_rfm.last_purchase_date

    from first_seen
    left join customer_profiles
        on first_seen.customer_id = customer_profiles.customer_id
    left join current_rfm
        on first_seen.customer_id = current_rfm.customer_id
    left join current_stages
        on first_seen.customer_id = current_stages.customer_id
    left join current_usage_bands
        on first_seen.customer_id = current_usage_bands.customer_id
    left join current_content_preferences
        on first_seen.customer_id = current_content_preferences.customer_id
    left join customer_value
        on first_seen.customer_id = customer_value.customer_id
    left join usage_band_week
        on 1 = 1  -- one row, or none before the first purchase

)

select * from customers
