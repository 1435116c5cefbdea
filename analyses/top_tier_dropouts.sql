-- Which customers dropped out of the top tier at the latest snapshot?
--
-- A dropout was in the best tier at the previous snapshot and is in a lower tier at the latest
-- snapshot_date of fct_customer_tier_history. The best tier is the one with the highest
-- tier_rank (seeds/rfm_tier_bands.csv, read through rpt_tier_kpis, which lists every tier of the
-- bands at every snapshot), so the question follows the bands when analysts rename or re-band
-- the tiers.
--
-- Returns one row per dropout, most valuable first (monetary descending, then customer_id):
--     customer_id, previous_tier (the best tier), tier (the tier fallen to), segment, tier_rank
--     (of tier), recency_days, frequency, monetary, snapshot_date (the latest snapshot),
--     previous_snapshot_date.

with

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

tier_kpis as (

    select * from {{ ref('rpt_tier_kpis') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date

    from tier_history

),

latest_tier_ranks as (

    select
        tier_kpis.tier,
        tier_kpis.tier_rank

    from tier_kpis
    inner join latest_snapshot
        on tier_kpis.snapshot_date = latest_snapshot.snapshot_date

),

best_tier_rank as (

    select max(tier_rank) as tier_rank

    from latest_tier_ranks

),

top_tier_dropouts as (

    select
        tier_history.customer_id,
        tier_history.previous_tier,
        tier_history.tier,
        tier_history.segment,
        tier_history.tier_rank,
        tier_history.recency_days,
        tier_history.frequency,
        tier_history.monetary,
        tier_history.snapshot_date,
        tier_history.previous_snapshot_date

    from tier_history
    inner join latest_snapshot
        on tier_history.snapshot_date = latest_snapshot.snapshot_date
    inner join latest_tier_ranks as previous_tier_ranks
        on tier_history.previous_tier = previous_tier_ranks.tier
    inner join best_tier_rank
        on previous_tier_ranks.tier_rank = best_tier_rank.tier_rank
    where tier_history.tier_rank < previous_tier_ranks.tier_rank

)

select * from top_tier_dropouts
order by monetary desc, customer_id asc
