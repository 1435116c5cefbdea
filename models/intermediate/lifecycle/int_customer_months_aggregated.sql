{#-
    Valid transactions dated on or before as_of_date, aggregated per customer and calendar month:
    the one pass over the transactions that rpt_cohort_retention and rpt_growth_kpis_monthly
    need. A plain table, recomputed in full by every run.
-#}
with

transactions as (

    select * from {{ ref('fct_transactions') }}

),

as_of as (

    select snapshot_date as as_of_date
    from {{ ref('int_snapshot_dates') }}
    where is_as_of_date

),

transactions_to_date as (

    select
        transactions.customer_id,
        transactions.amount,
        transactions.is_purchase,
        cast({{ dbt.date_trunc('month', 'transactions.transaction_date') }} as date) as activity_month

    from transactions
    inner join as_of
        on transactions.transaction_date <= as_of.as_of_date

),

customer_months as (

    select
        customer_id,
        activity_month,
        cast(sum(case when is_purchase then 1 else 0 end) as bigint) as purchases,
        cast(sum(case when is_purchase then amount else 0 end) as {{ dbt.type_numeric() }}) as purchase_amount,
        cast(sum(amount) as {{ dbt.type_numeric() }}) as net_amount

    from transactions_to_date
    group by customer_id, activity_month

),

first_purchase_months as (

    select
        customer_id,
        min(activity_month) as first_purchase_month

    from customer_months
    where purchases > 0
    group by customer_id

),

customer_months_with_first as (

    select
        customer_months.*,
        first_purchase_months.first_purchase_month

    from customer_months
    left join first_purchase_months
        on customer_months.customer_id = first_purchase_months.customer_id

)

select * from customer_months_with_first
