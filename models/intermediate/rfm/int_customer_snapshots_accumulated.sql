{#-
    One row per customer and snapshot, from the customer's first period with any transaction to
    as_of_date, carrying running totals of the per-period aggregates. This is the customer x
    snapshot spine: the history never joins transactions to snapshots.
-#}
with

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

customer_starts as (

    select
        customer_id,
        min(snapshot_date) as first_snapshot_date

    from customer_periods
    group by customer_id

),

customer_snapshots as (

    select
        customer_starts.customer_id,
        snapshot_dates.snapshot_date,
        snapshot_dates.previous_snapshot_date,
        snapshot_dates.is_as_of_date

    from customer_starts
    inner join snapshot_dates
        on customer_starts.first_snapshot_date <= snapshot_dates.snapshot_date

),

customer_snapshot_periods as (

    select
        customer_snapshots.customer_id,
        customer_snapshots.snapshot_date,
        customer_snapshots.previous_snapshot_date,
        customer_snapshots.is_as_of_date,
        coalesce(customer_periods.purchases, 0) as period_purchases,
        coalesce(customer_periods.net_amount, 0) as period_net_amount,
        customer_periods.first_purchase_date as period_first_purchase_date,
        customer_periods.last_purchase_date as period_last_purchase_date

    from customer_snapshots
    left join customer_periods
        on
            customer_snapshots.customer_id = customer_periods.customer_id
            and customer_snapshots.snapshot_date = customer_periods.snapshot_date

),

accumulated as (

    select
        customer_id,
        snapshot_date,
        previous_snapshot_date,
        is_as_of_date,
        period_purchases,
        cast(period_net_amount as {{ dbt.type_numeric() }}) as period_net_amount,
        sum(period_purchases) over customer_to_date as frequency,
        cast(sum(period_net_amount) over customer_to_date as {{ dbt.type_numeric() }}) as monetary,
        min(period_first_purchase_date) over customer_to_date as first_purchase_date,
        max(period_last_purchase_date) over customer_to_date as last_purchase_date

    from customer_snapshot_periods
    window customer_to_date as (
        partition by customer_id
        order by snapshot_date
        rows between unbounded preceding and current row
    )

)

select * from accumulated
