{#-
    The snapshot calendar and as_of_date (definitions: docs blocks snapshot_dates and as_of_date
    in models/docs.md). Reads the validated transactions (not fct_transactions, which is
    incremental on this calendar).
-#}
-- Built after the quarantine limit tests of the raw transactions (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_transactions_quarantined') }}
with

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

purchase_dates as (

    select cast(transacted_at as date) as transaction_date
    from validated_transactions
    where
        reject_reason is null
        and {{ strata_is_purchase('amount') }}

),

as_of as (

    {% if var('as_of_date') is not none -%}
        select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else -%}
        select max(transaction_date) as as_of_date
        from purchase_dates
    {%- endif %}

),

first_purchase as (

    select min(transaction_date) as first_purchase_date
    from purchase_dates
    where transaction_date <= (select as_of.as_of_date from as_of)

),

bounds as (

    select
        as_of.as_of_date,
        first_purchase.first_purchase_date

    from as_of
    cross join first_purchase
    where first_purchase.first_purchase_date is not null

),

months as (

    {{ strata_month_starts('first_purchase_date', 'as_of_date', 'bounds') }}

),

month_ends as (

    select cast({{ dbt.last_day('months.month_start', 'month') }} as date) as snapshot_date
    from months
    cross join bounds
    where cast({{ dbt.last_day('months.month_start', 'month') }} as date) < bounds.as_of_date

    union all

    select as_of_date as snapshot_date
    from bounds

),

snapshot_dates as (

    select
        snapshot_date,
        lag(snapshot_date) over (order by snapshot_date) as previous_snapshot_date,
        snapshot_date = max(snapshot_date) over () as is_as_of_date

    from month_ends

)

select * from snapshot_dates
