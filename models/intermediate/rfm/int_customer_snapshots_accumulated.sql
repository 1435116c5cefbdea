{{
    config(
        materialized=strata_incremental_materialization(),
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
    )
}}
{#-
    One row per customer and snapshot, from the customer's first period with any transaction to
    as_of_date, carrying running totals of the per-period aggregates. This is the customer x
    snapshot spine: the history never joins transactions to snapshots.

    How: the running totals are taken over the customer's periods only (a customer has a period
    at a few snapshots, not at every one), and each period's totals then hold for every snapshot
    from its own up to the customer's next period. The snapshots are numbered, so that range is
    a join on snapshot numbers; no sort of the whole spine is needed.

    Incremental: the snapshots on or after the recompute date are numbered from 1; the stored
    totals of the last snapshot kept (carried_totals; empty in a full build) enter as the
    customer's period number 0, so they carry on to the recomputed snapshots before the
    customer's next period, and into every later running total.
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

recomputed_snapshots as (

    select
        snapshot_date,
        previous_snapshot_date,
        row_number() over (order by snapshot_date) as snapshot_number

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
        'purchase_days': 'bigint',
    }) }}

),

numbered_periods as (

    select
        customer_periods.customer_id,
        recomputed_snapshots.snapshot_number,
        customer_periods.purchases,
        customer_periods.net_amount,
        customer_periods.first_purchase_date,
        customer_periods.last_purchase_date,
        customer_periods.purchase_days

    from customer_periods
    inner join recomputed_snapshots
        on customer_periods.snapshot_date = recomputed_snapshots.snapshot_date

    union all

    select
        customer_id,
        0 as snapshot_number,
        frequency as purchases,
        monetary as net_amount,
        first_purchase_date,
        last_purchase_date,
        purchase_days

    from carried_totals

),

running_totals as (

    select
        customer_id,
        snapshot_number,
        purchases,
        net_amount,
        first_purchase_date as period_first_purchase_date,
        sum(purchases) over customer_to_date as frequency,
        sum(purchase_days) over customer_to_date as purchase_days,
        max(last_purchase_date) over (
            partition by customer_id
            order by snapshot_number
            rows between unbounded preceding and 1 preceding
        ) as previous_purchase_date,
        sum(net_amount) over customer_to_date as monetary,
        min(first_purchase_date) over customer_to_date as first_purchase_date,
        max(last_purchase_date) over customer_to_date as last_purchase_date,
        coalesce(
            lead(snapshot_number) over (partition by customer_id order by snapshot_number),
            (select count(*) from recomputed_snapshots) + 1
        ) as next_period_number

    from numbered_periods
    window customer_to_date as (
        partition by customer_id
        order by snapshot_number
        rows between unbounded preceding and current row
    )

),

accumulated as (

    select
        running_totals.customer_id,
        recomputed_snapshots.snapshot_date,
        recomputed_snapshots.previous_snapshot_date,
        cast(
            case
                when recomputed_snapshots.snapshot_number = running_totals.snapshot_number
                    then running_totals.purchases
                else 0
            end as bigint
        ) as period_purchases,
        cast(
            case
                when recomputed_snapshots.snapshot_number = running_totals.snapshot_number
                    then running_totals.net_amount
                else 0
            end as {{ dbt.type_numeric() }}
        ) as period_net_amount,
        cast(running_totals.frequency as bigint) as frequency,
        cast(running_totals.monetary as {{ dbt.type_numeric() }}) as monetary,
        running_totals.first_purchase_date,
        running_totals.last_purchase_date,
        cast(running_totals.purchase_days as bigint) as purchase_days,
        case
            when recomputed_snapshots.snapshot_number = running_totals.snapshot_number
                then running_totals.period_first_purchase_date
        end as period_first_purchase_date,
        case
            when recomputed_snapshots.snapshot_number = running_totals.snapshot_number
                then running_totals.previous_purchase_date
            else running_totals.last_purchase_date
        end as previous_purchase_date

    from running_totals
    inner join recomputed_snapshots
        on
            running_totals.snapshot_number <= recomputed_snapshots.snapshot_number
            and running_totals.next_period_number > recomputed_snapshots.snapshot_number

)

select * from accumulated
