{{
    config(
        materialized=strata_incremental_materialization(),
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
    )
}}
{#-
    Transactions aggregated per customer and snapshot period, the one pass over the transactions
    that the tier history needs. A transaction dated d on or before as_of_date belongs to the
    first snapshot on or after d: the end of d's month, capped at as_of_date, and never before
    the first snapshot (a refund older than the first purchase counts in the first period).
    Transactions after as_of_date are left out. Also per period: the distinct purchase days (for
    the lifecycle stages), counted by aggregating per day first (at 10M transactions 2.5 s
    against 4.5 s for a count(distinct) in one aggregate).

    Incremental: recomputes the periods of the snapshots on or after the recompute date, reading
    only the transactions after the last snapshot kept.

    Reads the valid rows of int_transactions_validated, not the mart fct_transactions (the same
    rows): the tier chain then starts as soon as validation is done, beside fct_transactions
    and its tests instead of after them.
-#}
-- Built after the quarantine limit tests of the raw transactions (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_transactions_quarantined') }}
with

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

transactions as (

    select
        customer_id,
        amount,
        {{ strata_is_purchase('amount') }} as is_purchase,
        cast(transacted_at as date) as transaction_date

    from validated_transactions
    where reject_reason is null

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

bounds as (

    select
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as as_of_date,
        max(
            case when snapshot_date < {{ strata_recompute_from_date() }} then snapshot_date end
        ) as last_kept_snapshot_date

    from snapshot_dates

),

transactions_in_periods as (

    select
        transactions.customer_id,
        transactions.transaction_date,
        transactions.amount,
        transactions.is_purchase,
        greatest(
            bounds.first_snapshot_date,
            least(cast({{ dbt.last_day('transactions.transaction_date', 'month') }} as date), bounds.as_of_date)
        ) as snapshot_date

    from transactions
    cross join bounds
    where
        transactions.transaction_date <= bounds.as_of_date
        and (
            bounds.last_kept_snapshot_date is null
            or transactions.transaction_date > bounds.last_kept_snapshot_date
        )

),

customer_days as (

    select
        customer_id,
        snapshot_date,
        transaction_date,
        sum(case when is_purchase then 1 else 0 end) as purchases,
        sum(amount) as net_amount,
        sum(case when is_purchase then amount else 0 end) as purchase_amount

    from transactions_in_periods
    group by customer_id, snapshot_date, transaction_date

),

customer_periods as (

    select
        customer_id,
        snapshot_date,
        cast(sum(purchases) as bigint) as purchases,
        cast(sum(net_amount) as {{ dbt.type_numeric() }}) as net_amount,
        cast(sum(purchase_amount) as {{ dbt.type_numeric() }}) as purchase_amount,
        min(case when purchases > 0 then transaction_date end) as first_purchase_date,
        max(case when purchases > 0 then transaction_date end) as last_purchase_date,
        cast(sum(case when purchases > 0 then 1 else 0 end) as bigint) as purchase_days

    from customer_days
    group by customer_id, snapshot_date

)

select * from customer_periods
