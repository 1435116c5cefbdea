with

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

valid_transactions as (

    select
        transaction_id,
        customer_id,
        case
            when amount > 0 then 'purchase'
            when amount < 0 then 'refund'
            else 'zero_amount'
        end as transaction_type,
        amount,
        amount > 0 as is_purchase,
        amount < 0 as is_refund,
        cast(transacted_at as date) as transaction_date,
        transacted_at

    from validated_transactions
    where reject_reason is null

)

select * from valid_transactions
