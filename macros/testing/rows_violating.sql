{#-
    Shared body of the row-level generic tests in tests/generic/ (accepted_range,
    expression_is_true): the rows of `model` for which `condition` is false. A row for which it is
    null (unknown) passes, as in dbt_utils, whose tests of the same names these are; a rule that
    must also fail on nulls says so (a not_null test, or an expression that cannot be null). A
    test fails when it returns rows; dbt's `config: where:` narrows the rows tested.
-#}
{% macro strata_rows_violating(model, condition) %}
    select *
    from {{ model }}
    where not ({{ condition }})
{% endmacro %}


{#- Checks a generic test argument and stops compilation with a clear message when it is missing. -#}
{% macro strata_require_argument(test_name, argument_name, value) %}
    {%- if value is none or (value is string and value | trim == '') -%}
        {{ exceptions.raise_compiler_error(
            "Strata test " ~ test_name ~ ": argument '" ~ argument_name ~ "' is required."
        ) }}
    {%- endif -%}
{% endmacro %}


{#-
    For a test whose failing rows are easier to read than its name: at execution, runs the test's
    own SQL and, when it returns rows, logs (as a warning) the message followed by the values of
    `column` of the first 20 rows. Returns the SQL unchanged, which the test then runs as usual.
-#}
{% macro strata_say_failing_rows(sql, message, column) %}
    {#- Only when the test runs (not while dbt compiles or sqlfluff lints the project). -#}
    {%- if execute and flags.WHICH in ['build', 'test', 'retry'] -%}
        {%- set values = run_query('select ' ~ column ~ ' from (' ~ sql ~ ') as failing limit 20').columns[0].values() -%}
        {%- if values | length > 0 -%}
            {%- do exceptions.warn('Strata: ' ~ message ~ ' ' ~ values | join(', ')) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(sql) }}
{% endmacro %}
