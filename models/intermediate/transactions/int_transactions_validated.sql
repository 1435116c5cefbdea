{{
    config(
        materialized='incremental',
        post_hook="{{ strata_delete_replaced_verdicts('transaction_id', 'transacted_at') }}",
    )
}}
{#-
    Every distinct raw transaction with its verdict (pattern: macros/raw/validate_raw_rows.sql).
    The reject rules, in order, are the README's table of reject reasons.
-#}
{{ strata_validate_raw_rows(
    staged_relation=ref('stg_raw__transactions'),
    key_column='transaction_id',
    parsed_columns=['transaction_id', 'customer_id', 'amount', 'transacted_at'],
    text_columns={'transacted_at_text': 'transacted_at', 'amount_text': 'amount'},
    checks=[
        ('missing_transaction_id', 'transaction_id is null'),
        ('missing_customer_id', 'customer_id is null'),
        ('unparseable_timestamp', 'transacted_at is null'),
        ('unparseable_amount', 'amount is null'),
        ('timestamp_before_min_date', "transacted_at < cast('" ~ var('min_transaction_date') ~ "' as date)"),
        ('timestamp_in_future', strata_future_cutoff('transacted_at')),
    ],
    timestamp_column='transacted_at',
) }}
