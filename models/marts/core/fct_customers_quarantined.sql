with

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

rejected_customers as (

    select
        customer_id,
        country,
        signup_date_text,
        reject_reason,
        raw_rows

    from validated_customers
    where reject_reason is not null

)

select * from rejected_customers
