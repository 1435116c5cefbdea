with

source as (

    select * from {{ source('raw', 'transactions') }}

),

renamed as (

    select
        {{ strata_clean_text('transaction_id') }} as transaction_id,
        {{ strata_clean_text('customer_id') }} as customer_id,
        cast(transacted_at as {{ dbt.type_string() }}) as transacted_at_text,
        cast(amount as {{ dbt.type_string() }}) as amount_text,
        {{ strata_parse_decimal('amount') }} as amount,
        {{ strata_parse_utc_timestamp('transacted_at') }} as transacted_at

    from source

)

select * from renamed
