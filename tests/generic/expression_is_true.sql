{#-
    As dbt_utils.expression_is_true: fails on every row where the SQL boolean `expression` is
    false; a row where it is null passes. On a model the expression is used as given; on a column
    it is prefixed with the column name (`expression: ">= 0"` on column x tests `x >= 0`). Narrow
    the rows tested with dbt's `config: where:`.
-#}
{% test expression_is_true(model, expression, column_name=none) %}
    {{ strata_require_argument('expression_is_true', 'expression', expression) }}
    {{ strata_rows_violating(model, expression if column_name is none else column_name ~ ' ' ~ expression) }}
{% endtest %}
