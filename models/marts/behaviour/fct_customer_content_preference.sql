{#-
    One row per customer and content category with at least one content event in the trailing
    window at as_of_date: the category's count and share, and the customer's content
    preference. Definitions: docs blocks content_window and content_preference
    (models/marts/behaviour/_behaviour__docs.md); the window and the minimum are vars.
-#}
{%- set window_days = var('content_window_days') | int(-1) %}
{%- if window_days < 1 or var('content_min_events') | int(-1) < 1 %}
    {{ exceptions.raise_compiler_error(
        "Strata: vars content_window_days (" ~ var('content_window_days') ~ ") and content_min_events ("
        ~ var('content_min_events') ~ ") must be whole numbers of at least 1 "
        ~ "(models/marts/behaviour/_behaviour__docs.md)."
    ) }}
{%- endif %}
with

events as (

    select * from {{ ref('int_events_catalogued') }}

),

windowed as (

    select
        customer_id,
        content_category,
        as_of_date,
        event_date,
        cast({{ dbt.dateadd('day', 1 - window_days, 'as_of_date') }} as date) as window_start_date

    from events
    where content_category is not null

),

in_window as (

    select * from windowed
    where event_date >= window_start_date

),

category_counts as (

    select
        customer_id,
        content_category,
        as_of_date,
        window_start_date,
        count(*) as content_events

    from in_window
    group by 1, 2, 3, 4

),

shares as (

    select
        *,
        sum(content_events) over (partition by customer_id) as customer_content_events,
        max(content_events) over (partition by customer_id) as top_category_events,
        count(*) over (partition by customer_id, content_events) as categories_with_same_count

    from category_counts

),

preferences as (

    select
        customer_id,
        content_category,
        cast(content_events as bigint) as content_events,
        cast(content_events as {{ strata_type_double() }}) / customer_content_events as content_share,
        cast(customer_content_events as bigint) as customer_content_events,
        max(
            case
                when customer_content_events < {{ var('content_min_events') | int }} then 'undetermined'
                when content_events = top_category_events and categories_with_same_count > 1 then 'mixed'
                when content_events = top_category_events then content_category
            end
        ) over (partition by customer_id) as content_preference,
        as_of_date,
        window_start_date

    from shares

)

select * from preferences
