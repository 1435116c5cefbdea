{{
    config(
        materialized=strata_incremental_materialization(),
        post_hook="{{ strata_delete_replaced_verdicts('transaction_id', 'transacted_at') }}",
    )
}}
{#-
    Every distinct raw transaction with its verdict (pattern: macros/raw/validate_raw_rows.sql;
    reject rules: macros/raw/reject_rules.sql).
-#}
{{ strata_validate_raw_rows(
    staged_relation=ref('stg_raw__transactions'),
    key_column='transaction_id',
    parsed_columns=['transaction_id', 'customer_id', 'amount', 'transacted_at'],
    text_columns={'transacted_at_text': 'transacted_at', 'amount_text': 'amount'},
    checks=strata_reject_rules('transactions'),
    timestamp_column='transacted_at',
) }}
