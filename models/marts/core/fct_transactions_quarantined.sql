with

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

rejected_transactions as (

    select
        transaction_id,
        customer_id,
        transacted_at_text,
        amount_text,
        reject_reason,
        raw_rows

    from validated_transactions
    where reject_reason is not null

)

select * from rejected_transactions
