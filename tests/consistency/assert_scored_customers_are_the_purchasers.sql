-- The customers scored at as_of_date (fct_customer_rfm, computed by the tier chain from the
-- validated transactions) are exactly the customers with a purchase on or before as_of_date in
-- fct_transactions (the mart, built by its own SQL), with the same number of purchases.
-- Returns each customer found on one side only or with another frequency.
with

customer_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

as_of as (

    select max(as_of_date) as as_of_date
    from customer_rfm

),

purchasers as (

    select
        transactions.customer_id,
        count(*) as purchases

    from transactions
    cross join as_of
    where
        transactions.is_purchase
        and transactions.transaction_date <= as_of.as_of_date
    group by transactions.customer_id

),

mismatches as (

    select
        coalesce(customer_rfm.customer_id, purchasers.customer_id) as customer_id,
        customer_rfm.frequency,
        purchasers.purchases

    from customer_rfm
    full outer join purchasers
        on customer_rfm.customer_id = purchasers.customer_id
    where
        customer_rfm.customer_id is null
        or purchasers.customer_id is null
        or customer_rfm.frequency <> purchasers.purchases

)

select * from mismatches
