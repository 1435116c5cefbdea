{#-
    Every customer seen anywhere (a valid transaction, a valid profile, a valid event, at any
    date) with the dates it was first seen by each source. first_seen_date: docs block
    first_seen_date (models/marts/lifecycle/_lifecycle__docs.md).
-#}
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

first_transactions as (

    select
        customer_id,
        min(transaction_date) as first_transaction_date

    from transactions
    group by customer_id

),

profiles as (

    select
        customer_id,
        signup_date

    from validated_customers
    where reject_reason is null

),

first_events as (

    select
        customer_id,
        min(event_date) as first_event_date

    from events
    group by customer_id

),

customer_ids as (

    select customer_id from first_transactions
    union
    select customer_id from profiles
    union
    select customer_id from first_events

),

first_seen as (

    select
        customer_ids.customer_id,
        first_transactions.first_transaction_date,
        profiles.signup_date,
        first_events.first_event_date,
        least(
            first_transactions.first_transaction_date,
            profiles.signup_date,
            first_events.first_event_date
        ) as first_seen_date

    from customer_ids
    left join first_transactions
        on customer_ids.customer_id = first_transactions.customer_id
    left join profiles
        on customer_ids.customer_id = profiles.customer_id
    left join first_events
        on customer_ids.customer_id = first_events.customer_id

)

select * from first_seen
