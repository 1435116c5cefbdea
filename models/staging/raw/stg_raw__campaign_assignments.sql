with

source as (

    select * from {{ source('raw', 'campaign_assignments') }}

),

renamed as (

    select
        {{ strata_clean_text('customer_id') }} as customer_id,
        {{ strata_clean_text('campaign_id') }} as campaign_id,
        lower({{ strata_clean_text('variant') }}) as variant,
        cast(assigned_at as {{ dbt.type_string() }}) as assigned_at_text,
        {{ strata_parse_utc_timestamp('assigned_at') }} as assigned_at

    from source

),

-- An assignment is identified by its campaign and customer (a customer is assigned once per
-- campaign); the length prefix keeps ('ab', 'c') and ('a', 'bc') apart.
keyed as (

    select
        *,
        case
            when campaign_id is not null and customer_id is not null
                then {{ dbt.concat([
                    dbt.cast(dbt.length('campaign_id'), dbt.type_string()), "':'", 'campaign_id', "':'", 'customer_id',
                ]) }}
        end as assignment_key

    from renamed

)

select * from keyed
