{#-
    The snapshot calendar (README "Definitions", Snapshot dates): every month end from the month
    of the first purchase up to, but not including, as_of_date, plus as_of_date itself.
    as_of_date is var('as_of_date'), or by default the date of the latest purchase.
-#}
with

transactions as (

    select * from {{ ref('fct_transactions') }}

),

as_of as (

    select
        {% if var('as_of_date') is not none -%}
            cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
            max(case when is_purchase then transaction_date end)
        {%- endif %} as as_of_date

    from transactions

),

bounds as (

    select
        as_of.as_of_date,
        min(transactions.transaction_date) as first_purchase_date

    from as_of
    inner join transactions
        on
            as_of.as_of_date >= transactions.transaction_date
            and transactions.is_purchase
    group by as_of.as_of_date

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
