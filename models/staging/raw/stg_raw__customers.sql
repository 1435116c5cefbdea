with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select
        {{ strata_clean_text('customer_id') }} as customer_id,
        upper({{ strata_clean_text('country') }}) as country,
        {{ strata_clean_text('email') }} as email,
        {{ strata_clean_text('phone') }} as phone,
        {{ strata_clean_text('full_name') }} as full_name,
        lower({{ strata_clean_text('acquisition_channel') }}) as acquisition_channel,
        {{ strata_clean_text('signup_date') }} as signup_date_text,
        cast({{ strata_parse_utc_timestamp('signup_date') }} as date) as signup_date

    from source

)

select * from renamed
