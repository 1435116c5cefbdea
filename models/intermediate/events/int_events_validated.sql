{{
    config(
        materialized=strata_incremental_materialization(),
        post_hook="{{ strata_delete_replaced_verdicts('event_id', 'occurred_at') }}",
    )
}}
{#-
    Every distinct raw behaviour event row with its verdict (pattern:
    macros/raw/validate_raw_rows.sql; reject rules: macros/raw/reject_rules.sql).
-#}
{{ strata_validate_raw_rows(
    staged_relation=ref('stg_raw__events'),
    key_column='event_id',
    parsed_columns=['event_id', 'customer_id', 'event_type', 'event_name', 'occurred_at'],
    text_columns={'occurred_at_text': 'occurred_at'},
    checks=strata_reject_rules('events'),
    timestamp_column='occurred_at',
) }}
