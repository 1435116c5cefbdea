{{
    config(
        materialized=strata_incremental_materialization(),
        pre_hook="{{ strata_delete_recomputed_snapshots('event_date', calendar=false) }}",
    )
}}
{#-
    Incremental: a run replaces the rows dated on or after the earliest date the validated table
    rewrote since this model's last build (macros/incremental/recompute_from.sql) and keeps the
    older ones as stored.
-#}
-- Built after the quarantine limit tests of the raw events (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_events_quarantined') }}
with

validated_events as (

    select * from {{ ref('int_events_validated') }}

),

valid_events as (

    select
        event_id,
        customer_id,
        event_type,
        event_name,
        cast(occurred_at as date) as event_date,
        occurred_at

    from validated_events
    where
        reject_reason is null
        and cast(occurred_at as date)
        >= {{ strata_recompute_from_date('event_date') }}

)

select * from valid_events
