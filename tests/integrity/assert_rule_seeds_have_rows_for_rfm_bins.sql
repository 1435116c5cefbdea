-- The tier bands and the segments have rows for the configured N (var rfm_bins): without them
-- every customer would fall in no tier or in segment 'other'. Returns each seed without rows
-- for N; the build stops before any tier is computed (README "When raw data or a rule changes": another rfm_bins).
{%- set bins = strata_rfm_bins() %}
{%- set failing -%}
    with

    tier_bands as (

        select * from {{ ref('rfm_tier_bands') }}

    ),

    segments as (

        select * from {{ ref('rfm_segments') }}

    ),

    rows_for_bins as (

        select
            'seeds/rfm_tier_bands.csv' as seed_file,
            count(*) as seed_rows

        from tier_bands
        where rfm_bins = {{ bins }}

        union all

        select
            'seeds/rfm_segments.csv' as seed_file,
            count(*) as seed_rows

        from segments
        where rfm_bins = {{ bins }}

    )

    select * from rows_for_bins
    where seed_rows = 0
{%- endset %}
{{ strata_say_failing_rows(failing, 'no rows for rfm_bins = ' ~ bins ~ ' in', 'seed_file') }}
