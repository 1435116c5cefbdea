-- Every possible rfm_score (3..3N for N = rfm_bins) falls in exactly one tier band of
-- seeds/rfm_tier_bands.csv. Returns each uncovered or doubly covered score.
{%- set bins = strata_rfm_bins() %}

with

tier_bands as (

    select * from {{ ref('rfm_tier_bands') }}
    where rfm_bins = {{ bins }}

),

possible_scores as (

    {% for score in range(3, 3 * bins + 1) -%}
        select {{ score }} as rfm_score{{ '\n        union all\n        ' if not loop.last }}
    {%- endfor %}

),

coverage as (

    select
        possible_scores.rfm_score,
        count(tier_bands.tier) as bands

    from possible_scores
    left join tier_bands
        on possible_scores.rfm_score between tier_bands.min_rfm_score and tier_bands.max_rfm_score
    group by possible_scores.rfm_score

)

select * from coverage
where bands <> 1
