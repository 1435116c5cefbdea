{#-
    The raw input contract: for every raw table, whether it is required, the columns Strata
    reads and the optional_columns it reads when present (null when the file lacks them);
    timestamp_column for the tables validated incrementally (int_<table>_validated,
    macros/incremental/revalidate_from.sql). The README's "Raw input contract" section documents the same list.
-#}
{% macro strata_raw_tables() %}
    {{ return({
        'transactions': {
            'required': true,
            'columns': ['transaction_id', 'customer_id', 'transacted_at', 'amount'],
            'timestamp_column': 'transacted_at',
        },
        'customers': {
            'required': false,
            'columns': ['customer_id', 'signup_date', 'country', 'email', 'phone', 'full_name'],
            'optional_columns': ['acquisition_channel'],
        },
        'events': {
            'required': false,
            'columns': ['event_id', 'customer_id', 'event_type', 'event_name', 'occurred_at'],
            'timestamp_column': 'occurred_at',
        },
        'campaign_assignments': {
            'required': false,
            'columns': ['customer_id', 'campaign_id', 'variant', 'assigned_at'],
        },
        'marketing_spend': {
            'required': false,
            'columns': ['spent_on', 'channel', 'amount'],
        },
    }) }}
{% endmacro %}
