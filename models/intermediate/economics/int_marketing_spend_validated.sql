{#-
    Every distinct raw marketing spend row with its verdict (pattern:
    macros/raw/validate_raw_rows.sql; reject rules: macros/raw/reject_rules.sql). The file holds
    one total per date and channel: two different rows for one (spent_on, channel) are a
    conflicting_duplicate, every version quarantined; an exact duplicate collapses into one. A
    plain table: the file is small and judged in full by every run.
-#}
{{ strata_validate_raw_rows(
    staged_relation=ref('stg_raw__marketing_spend'),
    key_column='spend_key',
    parsed_columns=['spend_key', 'channel', 'spent_on', 'amount'],
    text_columns={'spent_on_text': 'spent_on', 'amount_text': 'amount'},
    checks=strata_reject_rules('marketing_spend'),
) }}
