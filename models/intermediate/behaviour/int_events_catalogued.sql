{{ config(materialized='view') }}
{#-
    The counted events (valid events dated on or before as_of_date) with what the event catalog
    (seed event_catalog) says of their name. The one place that reads the catalog and cuts
    events at as_of_date. A view (an ephemeral model breaks dbt's in-process runs of the
    tests, which reuse one parsed manifest): the marts that read it each run
    the join with the small catalog, and no copy of the events is stored.
-#}
with

events as (

    select * from {{ ref('fct_events') }}

),

event_catalog as (

    select * from {{ ref('event_catalog') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

as_of as (

    select snapshot_date as as_of_date
    from snapshot_dates
    where is_as_of_date

),

catalogued as (

    select
        events.event_id,
        events.customer_id,
        events.event_date,
        event_catalog.event_name is not null as is_catalogued,
        case when event_catalog.is_core_feature then event_catalog.feature end as core_feature,
        event_catalog.content_category,
        as_of.as_of_date

    from events
    inner join as_of
        on events.event_date <= as_of.as_of_date
    left join event_catalog
        on events.event_name = event_catalog.event_name

)

select * from catalogued
