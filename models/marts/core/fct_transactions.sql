{{
    config(
        materialized=strata_incremental_materialization(),
        pre_hook="{{ strata_delete_recomputed_snapshots('transaction_date', calendar=false) }}",
    )
}}
{#-
    Incremental: a run replaces the rows dated on or after the earliest date the validated table
    rewrote since this model's last build (macros/incremental/recompute_from.sql) and keeps the
    older ones as stored.
-#}
-- depends_on: {{ ref('int_transactions_validated') }}
-- Built after the quarantine limit tests of the raw transactions (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_transactions_quarantined') }}
with

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

valid_transactions as (

    select
        transaction_id,
        customer_id,
        {{ strata_transaction_type('amount') }} as transaction_type,
        amount,
        {{ strata_is_purchase('amount') }} as is_purchase,
        {{ strata_is_refund('amount') }} as is_refund,
        cast(transacted_at as date) as transaction_date,
        transacted_at

    from validated_transactions
    where
        reject_reason is null
        and cast(transacted_at as date) >= {{ strata_recompute_from_date('transaction_date') }}

)

select * from valid_transactions
