with

validated_spend as (

    select * from {{ ref('int_marketing_spend_validated') }}

),

rejected_spend as (

    select
        channel,
        spent_on_text,
        amount_text,
        reject_reason,
        raw_rows

    from validated_spend
    where reject_reason is not null

)

select * from rejected_spend
