{{ config(severity='warn') }}
-- Every segment of seeds/rfm_segments.csv for the configured N (var rfm_bins) is the segment of
-- at least one score cell: a row whose cells all go to segments of higher priority (or that
-- covers no cell) can never hold a customer, which is almost always an editing mistake.
-- Warns, naming each such segment.
{%- set bins = strata_rfm_bins() %}
{%- set failing -%}
    with

    segments as (

        select * from {{ ref('rfm_segments') }}

    ),

    cells as (

        select * from {{ ref('int_rfm_cells_mapped') }}

    ),

    unreachable_segments as (

        select
            segments.segment,
            segments.priority

        from segments
        where
            segments.rfm_bins = {{ bins }}
            and segments.segment not in (select cells.segment from cells)

    )

    select * from unreachable_segments
{%- endset %}
{{ strata_say_failing_rows(
    failing, 'these segments of seeds/rfm_segments.csv can never be reached (every cell they cover goes to a segment of higher priority):', 'segment'
) }}
