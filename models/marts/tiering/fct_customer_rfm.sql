with

customer_rfm as (

    select * from {{ ref('fct_customer_tier_history') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

current_rfm as (

    select
        customer_rfm.customer_id,
        customer_rfm.tier,
        customer_rfm.segment,
        customer_rfm.rfm_cell,
        customer_rfm.recency_bucket,
        customer_rfm.tier_rank,
        customer_rfm.recency_days,
        customer_rfm.frequency,
        customer_rfm.monetary,
        customer_rfm.r_score,
        customer_rfm.f_score,
        customer_rfm.m_score,
        customer_rfm.rfm_score,
        customer_rfm.snapshot_date as as_of_date,
        customer_rfm.first_purchase_date,
        customer_rfm.last_purchase_date

    from customer_rfm
    inner join snapshot_dates
        on
            customer_rfm.snapshot_date = snapshot_dates.snapshot_date
            and snapshot_dates.is_as_of_date

)

select * from current_rfm
