-- Built after the quarantine limit tests of the raw customers (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_customers_quarantined') }}
with

transactions as (

    select * from {{ ref('fct_transactions') }}

),

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

current_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

customer_profiles as (

    select
        customer_id,
        country,
        signup_date

    from validated_customers
    where reject_reason is null

),

customer_ids as (

    select customer_id from transactions
    union
    select customer_id from customer_profiles
    union
    select customer_id from events

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
