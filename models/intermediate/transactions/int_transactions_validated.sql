{#-
    Every distinct raw transaction with its verdict. Exact duplicates (same transaction_id,
    customer_id, parsed timestamp and parsed amount, or the same raw text where a value does not
    parse) collapse into one row; duplicate_rows counts the extra copies. reject_reason is null for
    a valid transaction, else the first failing rule in the order below.
-#}
with

raw_transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

collapsed as (

    select
        transaction_id,
        customer_id,
        transacted_at,
        amount,
        case when transacted_at is null then transacted_at_text end as bad_transacted_at_text,
        case when amount is null then amount_text end as bad_amount_text,
        min(transacted_at_text) as transacted_at_text,
        min(amount_text) as amount_text,
        count(*) as raw_rows

    from raw_transactions
    group by 1, 2, 3, 4, 5, 6

),

versioned as (

    select
        *,
        count(*) over (partition by transaction_id) as versions_of_transaction_id

    from collapsed

),

validated as (

    select
        transaction_id,
        customer_id,
        transacted_at_text,
        amount_text,
        case
            when transaction_id is null then 'missing_transaction_id'
            when customer_id is null then 'missing_customer_id'
            when transacted_at is null then 'unparseable_timestamp'
            when amount is null then 'unparseable_amount'
            when versions_of_transaction_id > 1 then 'conflicting_duplicate'
        end as reject_reason,
        amount,
        raw_rows,
        raw_rows - 1 as duplicate_rows,
        transacted_at

    from versioned

)

select * from validated
