-- The value tiers of seeds/clv_value_tiers.csv cover every clv_quantile in [0, 1] exactly once:
-- sorted by min_quantile, the first starts at 0, each starts where the one below ends, the last
-- ends at 1 (each band is [min_quantile, max_quantile), the last also holds 1). Returns each
-- problem; the build stops before fct_customer_value is written.
{%- set failing -%}
    with

    value_tiers as (

        select * from {{ ref('clv_value_tiers') }}

    ),

    ordered as (

        select
            value_tier,
            min_quantile,
            max_quantile,
            lag(max_quantile) over (order by min_quantile, value_tier) as max_quantile_below,
            row_number() over (order by min_quantile, value_tier) as band_number,
            count(*) over () as bands

        from value_tiers

    ),

    problems as (

        select 'the file has no rows' as problem
        where not exists (select 1 from value_tiers)

        union all

        select value_tier || ' starts at ' || cast(min_quantile as {{ dbt.type_string() }}) || ', not 0' as problem
        from ordered
        where band_number = 1 and min_quantile <> 0

        union all

        select
            value_tier || ' starts at ' || cast(min_quantile as {{ dbt.type_string() }})
            || ' but the tier below ends at ' || cast(max_quantile_below as {{ dbt.type_string() }}) as problem
        from ordered
        where band_number > 1 and min_quantile <> max_quantile_below

        union all

        select value_tier || ' ends at ' || cast(max_quantile as {{ dbt.type_string() }}) || ', not 1' as problem
        from ordered
        where band_number = bands and max_quantile <> 1

    )

    select * from problems
{%- endset %}
{{ strata_say_failing_rows(failing, 'seeds/clv_value_tiers.csv does not cover [0, 1] exactly once:', 'problem') }}
