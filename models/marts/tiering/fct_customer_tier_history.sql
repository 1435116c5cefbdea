with

customer_rfm as (

    select * from {{ ref('int_customer_tiers_assigned') }}

),

tier_history as (

    select
        customer_id,
        tier,
        previous_tier,
        segment,
        rfm_cell,
        recency_bucket,
        tier_rank,
        recency_days,
        frequency,
        monetary,
        r_score,
        f_score,
        m_score,
        rfm_score,
        snapshot_date,
        previous_snapshot_date,
        first_purchase_date,
        last_purchase_date

    from customer_rfm

)

select * from tier_history
