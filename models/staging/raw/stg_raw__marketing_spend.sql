with

source as (

    select * from {{ source('raw', 'marketing_spend') }}

),

renamed as (

    select
        lower({{ strata_clean_text('channel') }}) as channel,
        cast(spent_on as {{ dbt.type_string() }}) as spent_on_text,
        cast({{ strata_parse_utc_timestamp('spent_on') }} as date) as spent_on,
        cast(amount as {{ dbt.type_string() }}) as amount_text,
        {{ strata_parse_decimal('amount') }} as amount

    from source

),

-- A spend row is identified by its date and channel (one total per day and channel); the
-- length prefix keeps the two parts apart.
keyed as (

    select
        *,
        case
            when spent_on is not null and channel is not null
                then {{ dbt.concat([
                    dbt.cast('spent_on', dbt.type_string()), "':'", 'channel',
                ]) }}
        end as spend_key

    from renamed

)

select * from keyed
