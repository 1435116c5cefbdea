{#-
    The raw input contract: for every raw table, whether it is required and the columns Strata
    reads. The README's "Raw input contract" section documents the same list.
-#}
{% macro strata_raw_tables() %}
    {{ return({
        'transactions': {
            'required': true,
            'columns': ['transaction_id', 'customer_id', 'transacted_at', 'amount'],
        },
        'customers': {
            'required': false,
            'columns': ['customer_id', 'signup_date', 'country', 'email', 'phone', 'full_name'],
        },
        'events': {
            'required': false,
            'columns': ['event_id', 'customer_id', 'event_type', 'event_name', 'occurred_at'],
        },
    }) }}
{% endmacro %}
