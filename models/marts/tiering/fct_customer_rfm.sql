with

customer_rfm as (

    select * from {{ ref('int_customer_tiers_assigned') }}

),

current_rfm as (

    select
        customer_id,
        tier,
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
        snapshot_date as as_of_date,
        first_purchase_date,
        last_purchase_date

    from customer_rfm
    where is_as_of_date

)

select * from current_rfm
