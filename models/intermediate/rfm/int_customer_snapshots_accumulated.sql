{{
    config(
        materialized='incremental',
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
    )
}}
{#-
    One row per customer and snapshot, from the customer's first period with any transaction to
    as_of_date, carrying running totals of the per-period aggregates. This is the customer x
    snapshot spine: the history never joins transactions to snapshots.

    Incremental: the snapshots on or after the recompute date start from the stored totals of the
    last snapshot kept (carried_totals; empty in a full build) and add the periods after it.
-#}
{%- set recompute_from = strata_recompute_from_date() %}

-- depends_on: {{ ref('int_transactions_validated') }}
with

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

recomputed_snapshot_dates as (

    select
        snapshot_date,
        previous_snapshot_date

    from snapshot_dates
    where snapshot_date >= {{ recompute_from }}

),

carried_totals as (

    {{ strata_rows_at_last_kept_snapshot({
        'customer_id': dbt.type_string(),
        'frequency': 'bigint',
        'monetary': dbt.type_numeric(),
        'first_purchase_date': 'date',
        'last_purchase_date': 'date',
    }, recompute_from) }}

),

recomputed_periods as (

    select * from customer_periods
    where snapshot_date >= {{ recompute_from }}

),

starting_points as (

    select
        customer_id,
        snapshot_date

    from recomputed_periods

    union all

    select
        carried_totals.customer_id,
        recomputed_snapshot_dates.snapshot_date

    from carried_totals
    cross join recomputed_snapshot_dates
    where
        recomputed_snapshot_dates.previous_snapshot_date is null
        or recomputed_snapshot_dates.previous_snapshot_date < {{ recompute_from }}

),

customer_starts as (

    select
        customer_id,
        min(snapshot_date) as first_snapshot_date

    from starting_points
    group by customer_id

),

customer_snapshots as (

    select
        customer_starts.customer_id,
        recomputed_snapshot_dates.snapshot_date,
        recomputed_snapshot_dates.previous_snapshot_date

    from customer_starts
    inner join recomputed_snapshot_dates
        on customer_starts.first_snapshot_date <= recomputed_snapshot_dates.snapshot_date

),

customer_snapshot_periods as (

    select
        customer_snapshots.customer_id,
        customer_snapshots.snapshot_date,
        customer_snapshots.previous_snapshot_date,
        coalesce(recomputed_periods.purchases, 0) as period_purchases,
        coalesce(recomputed_periods.net_amount, 0) as period_net_amount,
        recomputed_periods.first_purchase_date as period_first_purchase_date,
        recomputed_periods.last_purchase_date as period_last_purchase_date

    from customer_snapshots
    left join recomputed_periods
        on
            customer_snapshots.customer_id = recomputed_periods.customer_id
            and customer_snapshots.snapshot_date = recomputed_periods.snapshot_date

),

accumulated as (

    select
        customer_snapshot_periods.customer_id,
        customer_snapshot_periods.snapshot_date,
        customer_snapshot_periods.previous_snapshot_date,
        cast(customer_snapshot_periods.period_purchases as bigint) as period_purchases,
        cast(customer_snapshot_periods.period_net_amount as {{ dbt.type_numeric() }}) as period_net_amount,
        cast(
            coalesce(carried_totals.frequency, 0)
            + sum(customer_snapshot_periods.period_purchases) over customer_to_date
            as bigint
        ) as frequency,
        cast(
            coalesce(carried_totals.monetary, 0)
            + sum(customer_snapshot_periods.period_net_amount) over customer_to_date
            as {{ dbt.type_numeric() }}
        ) as monetary,
        coalesce(
            carried_totals.first_purchase_date,
            min(customer_snapshot_periods.period_first_purchase_date) over customer_to_date
        ) as first_purchase_date,
        coalesce(
            max(customer_snapshot_periods.period_last_purchase_date) over customer_to_date,
            carried_totals.last_purchase_date
        ) as last_purchase_date

    from customer_snapshot_periods
    left join carried_totals
        on customer_snapshot_periods.customer_id = carried_totals.customer_id
    window customer_to_date as (
        partition by customer_snapshot_periods.customer_id
        order by customer_snapshot_periods.snapshot_date
        rows between unbounded preceding and current row
    )

)

select * from accumulated
