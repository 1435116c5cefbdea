{{ config(materialized=strata_incremental_materialization()) }}
{#-
    Every distinct raw customer profile row with its verdict (pattern:
    macros/raw/validate_raw_rows.sql; reject rules: macros/raw/reject_rules.sql). Holds PII; no
    mart selects the PII columns. Incremental only in that a run keeps the stored verdicts
    when the raw customers file and the rules are unchanged (macros/raw/validate_raw_rows.sql);
    any change judges every row again.
-#}
{{ strata_validate_raw_rows(
    staged_relation=ref('stg_raw__customers'),
    key_column='customer_id',
    parsed_columns=['customer_id', 'country', 'email', 'phone', 'full_name', 'signup_date', 'acquisition_channel'],
    text_columns={'signup_date_text': 'signup_date'},
    checks=strata_reject_rules('customers'),
) }}
