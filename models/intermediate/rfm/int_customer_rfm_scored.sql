{#-
    One row per scored customer (at least one purchase on or before the snapshot) per snapshot:
    the RFM metrics and the three scores (rule: macros/rfm/rfm_score.sql). A view: its only
    reader is fct_customer_tier_history.
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

ranked as (

    select
        *,
        {{ rfm_position('recency_days', 'desc') }} as r_position,
        {{ rfm_position('frequency') }} as f_position,
        {{ rfm_position('monetary') }} as m_position,
        count(*) over (partition by snapshot_date) as snapshot_customers

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
        {{ rfm_score_of_position('r_position', 'snapshot_customers') }} as r_score,
        {{ rfm_score_of_position('f_position', 'snapshot_customers') }} as f_score,
        {{ rfm_score_of_position('m_position', 'snapshot_customers') }} as m_score

    from ranked

)

select * from scored
