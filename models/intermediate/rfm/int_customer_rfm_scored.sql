{#-
    One row per scored customer (at least one purchase on or before the snapshot) per snapshot:
    the RFM metrics and the three scores (rule: macros/rfm/rfm_score.sql). A view: its only
    reader is int_customer_tiers_assigned.
-#}
{{ config(materialized='view') }}

with

customer_snapshots as (

    select * from {{ ref('int_customer_snapshots_accumulated') }}

),

scored_customers as (

    select
        customer_id,
        snapshot_date,
        previous_snapshot_date,
        {{ dbt.datediff('last_purchase_date', 'snapshot_date', 'day') }} as recency_days,  -- noqa: LT05
        frequency,
        monetary,
        period_net_amount,
        first_purchase_date,
        last_purchase_date

    from customer_snapshots
    where frequency > 0

),

bucketed as (

    select
        *,
        {{ rfm_ntile_bucket('recency_days', 'desc') }} as r_bucket,
        {{ rfm_ntile_bucket('frequency') }} as f_bucket,
        {{ rfm_ntile_bucket('monetary') }} as m_bucket

    from scored_customers

),

scored as (

    select
        customer_id,
        snapshot_date,
        previous_snapshot_date,
        recency_days,
        frequency,
        monetary,
        period_net_amount,
        first_purchase_date,
        last_purchase_date,
        {{ rfm_tie_shared_score('r_bucket', 'recency_days') }} as r_score,
        {{ rfm_tie_shared_score('f_bucket', 'frequency') }} as f_score,
        {{ rfm_tie_shared_score('m_bucket', 'monetary') }} as m_score

    from bucketed

)

select * from scored
