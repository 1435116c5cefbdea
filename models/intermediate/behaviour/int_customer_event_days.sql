{#-
    One row per customer and day with a counted event: how many. The active days that weekly
    usage, engagement and retention count, computed once (a distinct over the 5.5M events of the
    benchmark took 1.4 s in each of the three).
-#}
with

events as (

    select * from {{ ref('int_events_catalogued') }}

),

event_days as (

    select
        customer_id,
        event_date,
        count(*) as events,
        max(as_of_date) as as_of_date

    from events
    group by customer_id, event_date

)

select * from event_days
