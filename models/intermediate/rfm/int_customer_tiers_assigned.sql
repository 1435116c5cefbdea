{#-
    One row per scored customer per snapshot: the scores mapped to their cell, tier and segment
    (int_rfm_cells_mapped), the recency bucket (seed recency_buckets), and the tier the customer
    had at the previous snapshot. The marts fct_customer_rfm, fct_customer_tier_history,
    fct_tier_migrations and rpt_tier_kpis all read this model.
-#}
with

scored_customers as (

    select * from {{ ref('int_customer_rfm_scored') }}

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
        scored.period_net_amount,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        rfm_cells.rfm_score,
        scored.is_as_of_date,
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

with_previous_tier as (

    select
        customer_id,
        tier,
        case
            when lag(snapshot_date) over customer_snapshots = previous_snapshot_date
                then lag(tier) over customer_snapshots
        end as previous_tier,
        segment,
        rfm_cell,
        recency_bucket,
        tier_rank,
        case
            when lag(snapshot_date) over customer_snapshots = previous_snapshot_date
                then lag(tier_rank) over customer_snapshots
        end as previous_tier_rank,
        recency_days,
        frequency,
        monetary,
        period_net_amount,
        r_score,
        f_score,
        m_score,
        rfm_score,
        is_as_of_date,
        snapshot_date,
        previous_snapshot_date,
        first_purchase_date,
        last_purchase_date

    from classified
    window customer_snapshots as (partition by customer_id order by snapshot_date)

)

select * from with_previous_tier
