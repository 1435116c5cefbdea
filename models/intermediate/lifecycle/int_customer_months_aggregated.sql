{#-
    Valid transactions dated on or before as_of_date, aggregated per customer and calendar month:
    what rpt_cohort_retention and rpt_growth_kpis_monthly need. A plain table, recomputed in full
    by every run, from the period aggregates rather than from the transactions: a snapshot
    period is a calendar month (up to as_of_date for the last one), except that the first period
    also holds the rows dated before its month (refunds or zero amounts before the first purchase
    in the data). Those few rows are read from fct_transactions and moved to their own months.
-#}
with

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

first_snapshot as (

    select
        min(snapshot_date) as first_snapshot_date,
        cast({{ dbt.date_trunc('month', 'min(snapshot_date)') }} as date) as first_month_start

    from {{ ref('int_snapshot_dates') }}

),

earlier_transactions as (

    select
        transactions.customer_id,
        transactions.amount,
        cast({{ dbt.date_trunc('month', 'transactions.transaction_date') }} as date) as activity_month

    from transactions
    inner join first_snapshot
        on transactions.transaction_date < first_snapshot.first_month_start

),

earlier_totals as (

    select
        customer_id,
        sum(amount) as net_amount

    from earlier_transactions
    group by customer_id

),

period_months as (

    select
        customer_periods.customer_id,
        cast({{ dbt.date_trunc('month', 'customer_periods.snapshot_date') }} as date) as activity_month,
        cast(customer_periods.purchases as bigint) as purchases,
        cast(customer_periods.purchase_amount as {{ dbt.type_numeric() }}) as purchase_amount,
        cast(customer_periods.net_amount - coalesce(earlier_totals.net_amount, 0) as {{ dbt.type_numeric() }})
            as net_amount

    from customer_periods
    cross join first_snapshot
    left join earlier_totals
        on
            customer_periods.customer_id = earlier_totals.customer_id
            and customer_periods.snapshot_date = first_snapshot.first_snapshot_date

),

earlier_months as (

    select
        customer_id,
        activity_month,
        cast(0 as bigint) as purchases,
        cast(0 as {{ dbt.type_numeric() }}) as purchase_amount,
        cast(sum(amount) as {{ dbt.type_numeric() }}) as net_amount

    from earlier_transactions
    group by customer_id, activity_month

),

customer_months as (

    select * from period_months
    union all
    select * from earlier_months

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
