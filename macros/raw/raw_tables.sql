{#-
    The raw input contract: for every raw table, whether it is required, the columns Strata
    reads and its identifier (key_column); timestamp_column for the tables validated incrementally (int_<table>_validated,
    macros/incremental/revalidate_from.sql). The README's "Raw input contract" section documents the same list.
-#}
{% macro strata_raw_tables() %}
    {{ return({
        'transactions': {
            'required': true,
            'key_column': 'transaction_id',
            'columns': ['transaction_id', 'customer_id', 'transacted_at', 'amount'],
            'timestamp_column': 'transacted_at',
        },
        'customers': {
            'required': false,
            'key_column': 'customer_id',
            'columns': ['customer_id', 'signup_date', 'country', 'email', 'phone', 'full_name'],
        },
        'events': {
            'required': false,
            'key_column': 'event_id',
            'columns': ['event_id', 'customer_id', 'event_type', 'event_name', 'occurred_at'],
            'timestamp_column': 'occurred_at',
        },
    }) }}
{% endmacro %}
