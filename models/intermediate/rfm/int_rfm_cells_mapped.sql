{#-
    Every possible (r, f, m) score cell for N = var('rfm_bins'), with its rfm_score, rfm_cell,
    tier (seed rfm_tier_bands) and segment (seed rfm_segments: first match by priority, else
    'other'). Customers are mapped by joining to these N^3 rows on their three scores, so the band
    and segment rules are applied once per cell, not once per customer.
-#}
{%- set bins = strata_rfm_bins() -%}

with

tier_bands as (

    select * from {{ ref('rfm_tier_bands') }}
    where rfm_bins = {{ bins }}

),

segments as (

    select * from {{ ref('rfm_segments') }}
    where rfm_bins = {{ bins }}

),

scores as (

    {% for score in range(1, bins + 1) -%}
        select {{ score }} as score{{ '\n        union all\n        ' if not loop.last }}
    {%- endfor %}

),

cells as (

    select
        r_scores.score as r_score,
        f_scores.score as f_score,
        m_scores.score as m_score,
        r_scores.score + f_scores.score + m_scores.score as rfm_score,
        {{ dbt.concat([
            dbt.cast('r_scores.score', dbt.type_string()),
            dbt.cast('f_scores.score', dbt.type_string()),
            dbt.cast('m_scores.score', dbt.type_string()),
        ]) }} as rfm_cell

    from scores as r_scores
    cross join scores as f_scores
    cross join scores as m_scores

),

segment_matches as (

    select
        cells.r_score,
        cells.f_score,
        cells.m_score,
        segments.segment,
        row_number() over (
            partition by cells.r_score, cells.f_score, cells.m_score
            order by segments.priority, segments.segment
        ) as match_order

    from cells
    inner join segments
        on
            cells.r_score between segments.r_min and segments.r_max
            and cells.f_score between segments.f_min and segments.f_max
            and cells.m_score between segments.m_min and segments.m_max

),

mapped as (

    select
        cells.rfm_cell,
        tier_bands.tier,
        coalesce(segment_matches.segment, 'other') as segment,
        cast(cells.r_score as integer) as r_score,
        cast(cells.f_score as integer) as f_score,
        cast(cells.m_score as integer) as m_score,
        cast(cells.rfm_score as integer) as rfm_score,
        cast(tier_bands.tier_rank as integer) as tier_rank

    from cells
    left join tier_bands
        on cells.rfm_score between tier_bands.min_rfm_score and tier_bands.max_rfm_score
    left join segment_matches
        on
            cells.r_score = segment_matches.r_score
            and cells.f_score = segment_matches.f_score
            and cells.m_score = segment_matches.m_score
            and segment_matches.match_order = 1

)

select * from mapped
