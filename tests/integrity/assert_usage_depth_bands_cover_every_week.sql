-- seeds/usage_depth_bands.csv is a usable set of bands: every row has a name and a rank, names
-- and ranks are unique, no band is named 'inactive' or 'unseen' (the names of weeks without
-- events and of customers not yet known), the minimums are whole numbers (active days 1 to
-- 7), and every week with an event gets a band: ranks run 1, 2, ... and the band of rank 1
-- needs at most 1 active day and 0 core features (a week's band is the highest-ranked one it
-- meets). Returns each problem; the build stops before fct_customer_usage_weekly is written.
{%- set failing -%}
    with

    usage_depth_bands as (

        select * from {{ ref('usage_depth_bands') }}

    ),

    problems as (

        select 'a row has no usage_band or no band_rank' as problem
        from usage_depth_bands
        where usage_band is null or band_rank is null
        having count(*) > 0

        union all

        select 'usage_band ' || usage_band || ' is on ' || cast(count(*) as {{ dbt.type_string() }}) || ' rows' as problem
        from usage_depth_bands
        where usage_band is not null
        group by usage_band
        having count(*) > 1

        union all

        select 'band_rank ' || cast(band_rank as {{ dbt.type_string() }}) || ' is on more than one row' as problem
        from usage_depth_bands
        where band_rank is not null
        group by band_rank
        having count(*) > 1

        union all

        select usage_band || ' is a name Strata gives weeks without events or customers not yet known' as problem
        from usage_depth_bands
        where usage_band in ('inactive', 'unseen')

        union all

        select usage_band || ' needs min_core_features >= 0 and min_active_days from 1 to 7' as problem
        from usage_depth_bands
        where not coalesce(min_core_features >= 0 and min_active_days between 1 and 7, false)

        union all

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
