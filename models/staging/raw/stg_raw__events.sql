with

source as (

    select * from {{ source('raw', 'events') }}

),

renamed as (

    select
        {{ strata_clean_text('event_id') }} as event_id,
        {{ strata_clean_text('customer_id') }} as customer_id,
        {{ strata_clean_text('event_type') }} as event_type,
        {{ strata_clean_text('event_name') }} as event_name,
        cast(occurred_at as {{ dbt.type_string() }}) as occurred_at_text,
        {{ strata_parse_utc_timestamp('occurred_at') }} as occurred_at

    from source

)

select * from renamed
