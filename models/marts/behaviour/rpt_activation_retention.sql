{#-
    One row per cohort of first-event week and retention day N (var retention_days, default 1, 7
    and 30): how many of the cohort's customers were active again exactly on day N after their
    first event, and on some day from 1 to N. Definitions: docs blocks retention_cohort and
    retention_day (models/marts/behaviour/_behaviour__docs.md).
-#}
{%- set retention_days = var('retention_days') %}
{%- set check = namespace(
    valid=retention_days is iterable and retention_days is not string and retention_days is not mapping
    and retention_days | length > 0
) %}
{%- for day_n in (retention_days if check.valid else []) %}
    {%- if day_n is not number or day_n < 1 or day_n != day_n | int %}
        {%- set check.valid = false %}
    {%- endif %}
{%- endfor %}
{%- if not check.valid %}
    {{ exceptions.raise_compiler_error(
        "Strata: var retention_days is " ~ retention_days ~ "; it must be a list of whole numbers of "
        ~ "days of at least 1, e.g. [1, 7, 30] (models/marts/behaviour/_behaviour__docs.md)."
    ) }}
{%- endif %}
with

active_days as (

    select * from {{ ref('int_customer_event_days') }}

),

first_events as (

    select
        customer_id,
        min(event_date) as first_event_date,
        {{ strata_week_start('min(event_date)') }} as cohort_week_start,
        cast({{ dbt.dateadd('day', retention_days | max, 'min(event_date)') }} as date) as last_retention_date,
        max(as_of_date) as as_of_date

    from active_days
    group by customer_id

),

day_numbers as (

    {%- for day_n in retention_days %}
        select {{ day_n | int }} as day_n
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

returns as (

    select
        first_events.customer_id,
        {{ dbt.datediff('first_events.first_event_date', 'active_days.event_date', 'day') }} as days_after  -- noqa: LT05

    from first_events
    inner join active_days
        on
            first_events.customer_id = active_days.customer_id
            and first_events.first_event_date < active_days.event_date
            and first_events.last_retention_date >= active_days.event_date

),

customer_days as (

    select
        first_events.customer_id,
        first_events.cohort_week_start,
        day_numbers.day_n,
        {{ dbt.dateadd('day', 'day_numbers.day_n', 'first_events.first_event_date') }}
        <= max(first_events.as_of_date) as is_eligible,
        max(case when returns.days_after = day_numbers.day_n then 1 else 0 end) = 1 as is_retained_on_day,
        count(returns.customer_id) > 0 as is_retained_by_day

    from first_events
    cross join day_numbers
    left join returns
        on
            first_events.customer_id = returns.customer_id
            and day_numbers.day_n >= returns.days_after
    group by
        first_events.customer_id,
        first_events.cohort_week_start,
        day_numbers.day_n,
        first_events.first_event_date

),

retention as (

    select
        cohort_week_start,
        day_n,
        count(*) as cohort_customers,
        count(case when is_eligible then 1 end) as eligible_customers,
        count(case when is_eligible and is_retained_on_day then 1 end) as retained_on_day,
        count(case when is_eligible and is_retained_by_day then 1 end) as retained_by_day

    from customer_days
    group by cohort_week_start, day_n

),

rates as (

    select
        cohort_week_start,
        day_n,
        cast(cohort_customers as bigint) as cohort_customers,
        cast(eligible_customers as bigint) as eligible_customers,
        cast(retained_on_day as bigint) as retained_on_day,
        cast(retained_by_day as bigint) as retained_by_day,
        cast(retained_on_day as {{ strata_type_double() }}) / nullif(eligible_customers, 0) as retention_rate_on_day,
        cast(retained_by_day as {{ strata_type_double() }}) / nullif(eligible_customers, 0) as retention_rate_by_day

    from retention

)

select * from rates
