-- seeds/event_catalog.csv is usable: every row has an event_name and is_core_feature, each
-- event_name is on one row, and a core feature names the feature it counts as. Returns each
-- problem; the build stops before the behaviour marts are written.
{%- set failing -%}
    with

    event_catalog as (

        select * from {{ ref('event_catalog') }}

    ),

    problems as (

        select 'a row has no event_name' as problem
        from event_catalog
        where event_name is null
        having count(*) > 0

        union all

        select event_name || ' has no is_core_feature (true or false)' as problem
        from event_catalog
        where event_name is not null and is_core_feature is null

        union all

        select event_name || ' is on ' || cast(count(*) as {{ dbt.type_string() }}) || ' rows' as problem
        from event_catalog
        where event_name is not null
        group by event_name
        having count(*) > 1

        union all

        select event_name || ' is a core feature without a feature to count it as' as problem
        from event_catalog
        where is_core_feature and feature is null

    )

    select * from problems
{%- endset %}
{{ strata_say_failing_rows(failing, 'seeds/event_catalog.csv is not usable:', 'problem') }}
