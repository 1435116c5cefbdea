{{ config(severity='warn') }}
-- With the var as_of_date set: warns when it lies before the first valid purchase (nothing can
-- be scored) or more than a year after the latest one (every recency_days would be a year or
-- more too long: an as_of_date copied from an example, or a stale export). Without the var,
-- as_of_date is the latest purchase date and this returns no row.
{%- set as_of_date = "cast('" ~ var('as_of_date') ~ "' as date)" if var('as_of_date') is not none
    else 'purchase_bounds.latest_purchase_date' %}
{%- set failing -%}
    with

    validated_transactions as (

        select * from {{ ref('int_transactions_validated') }}

    ),

    purchase_bounds as (

        select
            min(cast(transacted_at as date)) as first_purchase_date,
            max(cast(transacted_at as date)) as latest_purchase_date

        from validated_transactions
        where
            reject_reason is null
            and {{ strata_is_purchase('amount') }}

    ),

    as_of_checks as (

        select
            {{ as_of_date }} as as_of_date,
            purchase_bounds.first_purchase_date,
            purchase_bounds.latest_purchase_date

        from purchase_bounds

    ),

    problems as (

        select
            'as_of_date ' || cast(as_of_date as {{ dbt.type_string() }})
            || case
                when as_of_date < first_purchase_date
                    then ' is before the first purchase (' || cast(first_purchase_date as {{ dbt.type_string() }})
                    || '): no customer can be scored'
                else ' is more than a year after the latest purchase ('
                    || cast(latest_purchase_date as {{ dbt.type_string() }})
                    || '): every recency_days is that much longer'
            end
            || '. Leave the var out to score at the latest purchase date.' as problem

        from as_of_checks
        where
            as_of_date < first_purchase_date
            or as_of_date > {{ dbt.dateadd('day', 365, 'latest_purchase_date') }}

    )

    select * from problems
{%- endset %}
{{ strata_say_failing_rows(failing, '', 'problem') }}
