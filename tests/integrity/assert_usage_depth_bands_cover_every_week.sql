-- Every week with an event gets a band from seeds/usage_depth_bands.csv: the band of rank 1
-- needs at most 1 active day and 0 core features, and the ranks run 1, 2, ... without a gap
-- (the band of a week is the highest-ranked one it meets). Returns each problem; the build
-- stops before fct_customer_usage_weekly is written.
{%- set failing -%}
    with

    usage_depth_bands as (

        select * from {{ ref('usage_depth_bands') }}

    ),

    problems as (

        select 'the file has no band of rank 1' as problem
        where not exists (select 1 from usage_depth_bands where band_rank = 1)

        union all

        select
            usage_band || ' (rank 1) needs ' || cast(min_core_features as {{ dbt.type_string() }})
            || ' core features and ' || cast(min_active_days as {{ dbt.type_string() }})
            || ' active days; rank 1 must need 0 and 1, so that every week with an event has a band' as problem
        from usage_depth_bands
        where band_rank = 1 and (min_core_features <> 0 or min_active_days > 1)

        union all

        select 'the band ranks are not 1 to ' || cast(count(*) as {{ dbt.type_string() }}) as problem
        from usage_depth_bands
        having count(*) > 0 and (min(band_rank) <> 1 or max(band_rank) <> count(*))

    )

    select * from problems
{%- endset %}
{{ strata_say_failing_rows(failing, 'seeds/usage_depth_bands.csv does not give every week a band:', 'problem') }}
