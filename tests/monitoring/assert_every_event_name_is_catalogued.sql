{{ config(severity='warn') }}
-- Every event name in fct_events is in seeds/event_catalog.csv. Warns, never fails the
-- build: an uncatalogued event counts as activity only (active days, DAU, retention), not as a
-- core feature or content, until an analyst adds its row. Names each one with its count.
{%- set failing -%}
    with

    events as (

        select * from {{ ref('fct_events') }}

    ),

    event_catalog as (

        select * from {{ ref('event_catalog') }}

    ),

    uncatalogued as (

        select
            coalesce(events.event_name, '(no event_name)') || ': '
            || cast(count(*) as {{ dbt.type_string() }}) || ' events' as problem

        from events
        left join event_catalog
            on events.event_name = event_catalog.event_name
        where event_catalog.event_name is null
        group by events.event_name

    )

    select * from uncatalogued
{%- endset %}
{{ strata_say_failing_rows(
    failing, 'event names not in seeds/event_catalog.csv (counted as activity only):', 'problem'
) }}
