{{
    config(
        materialized=strata_incremental_materialization(),
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
    )
}}
{#-
    One row per scored customer per snapshot: the scores mapped to their cell, tier and segment
    (int_rfm_cells_mapped), the recency bucket (seed recency_buckets), and the tier the customer
    had at the previous snapshot. fct_customer_rfm, fct_tier_migrations and rpt_tier_kpis read it.

    Incremental by snapshot date: closed snapshots before the recompute date
    (macros/incremental/recompute_from.sql) are computed once and kept. A run scores only the
    snapshots from the recompute date on (the scoring view's windows are partitioned by
    snapshot_date, so the filter applies before them); the tier at the last snapshot kept comes
    from the stored rows.
-#}
-- depends_on: {{ ref('int_snapshot_dates') }}
-- depends_on: {{ ref('int_transactions_validated') }}
{%- set recompute_from = strata_recompute_from_date() %}

with

scored_customers as (

    select * from {{ ref('int_customer_rfm_scored') }}
    where snapshot_date >= {{ recompute_from }}

),

rfm_cells as (

    select * from {{ ref('int_rfm_cells_mapped') }}

),

recency_buckets as (

    select * from {{ ref('recency_buckets') }}

),

classified as (

    select
        scored.customer_id,
        rfm_cells.tier,
        rfm_cells.segment,
        rfm_cells.rfm_cell,
        recency_buckets.recency_bucket,
        rfm_cells.tier_rank,
        cast(scored.recency_days as integer) as recency_days,
        cast(scored.frequency as bigint) as frequency,
        scored.monetary,
        scored.period_net_amount as period_net_revenue,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        rfm_cells.rfm_score,
        scored.snapshot_date,
        scored.previous_snapshot_date,
        scored.first_purchase_date,
        scored.last_purchase_date

    from scored_customers as scored
    inner join rfm_cells
        on
            scored.r_score = rfm_cells.r_score
            and scored.f_score = rfm_cells.f_score
            and scored.m_score = rfm_cells.m_score
    left join recency_buckets
        on
            scored.recency_days >= recency_buckets.min_days
            and (scored.recency_days <= recency_buckets.max_days or recency_buckets.max_days is null)

),

stored_tiers as (

    {{ strata_rows_at_last_kept_snapshot({
        'customer_id': dbt.type_string(),
        'tier': dbt.type_string(),
        'tier_rank': 'integer',
        'snapshot_date': 'date',
    }) }}

),

known_tiers as (

    select
        customer_id,
        tier,
        tier_rank,
        snapshot_date

    from classified

    union all

    select
        customer_id,
        tier,
        tier_rank,
        snapshot_date

    from stored_tiers

),

tier_history as (

    select
        classified.customer_id,
        classified.tier,
        previous_tiers.tier as previous_tier,
        classified.segment,
        classified.rfm_cell,
        classified.recency_bucket,
        classified.tier_rank,
        classified.recency_days,
        classified.frequency,
        classified.monetary,
        classified.period_net_revenue,
        classified.r_score,
        classified.f_score,
        classified.m_score,
        classified.rfm_score,
        classified.snapshot_date,
        classified.previous_snapshot_date,
        classified.first_purchase_date,
        classified.last_purchase_date

    from classified
    left join known_tiers as previous_tiers
        on
            classified.customer_id = previous_tiers.customer_id
            and classified.previous_snapshot_date = previous_tiers.snapshot_date

)

select * from tier_history
