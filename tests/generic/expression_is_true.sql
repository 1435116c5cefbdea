{#- Fails on every row where the SQL boolean `expression` is false or null (column_name, when the test sits on a column, is not used). -#}
{% test expression_is_true(model, expression, column_name=none, where_clause=none) %}
    {{ strata_require_argument('expression_is_true', 'expression', expression) }}
    {{ strata_rows_violating(model, expression, where_clause) }}
{% endtest %}
