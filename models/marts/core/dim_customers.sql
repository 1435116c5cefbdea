with

transactions as (

    select * from {{ ref('fct_transactions') }}

),

profiles as (

    select * from {{ ref('stg_raw__customers') }}

),

events as (

    select * from {{ ref('stg_raw__events') }}

),

current_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

customer_ids as (

    select customer_id from transactions
    union
    select customer_id from profiles
    where customer_id is not null
    union
    select customer_id from events
    where customer_id is not null

),

customer_profiles as (

    select
        customer_id,
        min(country) as country,
        min(signup_date) as signup_date

    from profiles
    where customer_id is not null
    group by customer_id

),

customers as (

    select
        customer_ids.customer_id,
        customer_profiles.country,
        current_rfm.tier as current_tier,
        current_rfm.segment as current_segment,
        current_rfm.rfm_cell as current_rfm_cell,
        current_rfm.customer_id is not null as is_scored,
        customer_profiles.customer_id is not null as has_profile,
        customer_profiles.signup_date,
        current_rfm.first_purchase_date,
        current_rfm.last_purchase_date

    from customer_ids
    left join customer_profiles
        on customer_ids.customer_id = customer_profiles.customer_id
    left join current_rfm
        on customer_ids.customer_id = current_rfm.customer_id

)

select * from customers
