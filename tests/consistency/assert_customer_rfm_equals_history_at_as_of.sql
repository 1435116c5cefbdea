-- fct_customer_rfm equals, row for row, the rows of fct_customer_tier_history at as_of_date.
-- Returns every row that is in one and not in the other.

with

customer_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

current_rows as (

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
        as_of_date,
        first_purchase_date,
        last_purchase_date

    from customer_rfm

),

history_rows as (

    select
        tier_history.customer_id,
        tier_history.tier,
        tier_history.segment,
        tier_history.rfm_cell,
        tier_history.recency_bucket,
        tier_history.tier_rank,
        tier_history.recency_days,
        tier_history.frequency,
        tier_history.monetary,
        tier_history.r_score,
        tier_history.f_score,
        tier_history.m_score,
        tier_history.rfm_score,
        tier_history.snapshot_date as as_of_date,
        tier_history.first_purchase_date,
        tier_history.last_purchase_date

    from tier_history
    inner join snapshot_dates
        on
            tier_history.snapshot_date = snapshot_dates.snapshot_date
            and snapshot_dates.is_as_of_date

),

only_in_current as (

    select * from current_rows
    except
    select * from history_rows

),

only_in_history as (

    select * from history_rows
    except
    select * from current_rows

),

differences as (

    select
        'only in fct_customer_rfm' as difference,
        customer_id

    from only_in_current

    union all

    select
        'only in fct_customer_tier_history' as difference,
        customer_id

    from only_in_history

)

select * from differences
