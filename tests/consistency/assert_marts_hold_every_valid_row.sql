-- The clean marts hold exactly the valid verdicts of their validated tables: fct_transactions
-- one row per valid transaction, fct_events one per valid event, dim_customers one profile per
-- valid customers row. With raw_rows_accounted_for (raw rows = the raw_rows of every verdict,
-- checked before any mart is built) and the quarantine marts (the rejected verdicts), every raw
-- row ends in exactly one place. Returns each mart whose count differs.
with

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

validated_events as (

    select * from {{ ref('int_events_validated') }}

),

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

valid_transactions as (

    select count(*) as valid_rows
    from validated_transactions
    where reject_reason is null

),

valid_events as (

    select count(*) as valid_rows
    from validated_events
    where reject_reason is null

),

valid_customers as (

    select count(*) as valid_rows
    from validated_customers
    where reject_reason is null

),

customer_profiles as (

    select count(*) as mart_rows
    from customers
    where has_profile

),

counts as (

    select
        'fct_transactions' as mart,
        (select count(*) from transactions) as mart_rows,
        (select valid_transactions.valid_rows from valid_transactions) as valid_rows

    union all

    select
        'fct_events' as mart,
        (select count(*) from events) as mart_rows,
        (select valid_events.valid_rows from valid_events) as valid_rows

    union all

    select
        'dim_customers' as mart,
        (select customer_profiles.mart_rows from customer_profiles) as mart_rows,
        (select valid_customers.valid_rows from valid_customers) as valid_rows

)

select * from counts
where mart_rows <> valid_rows
