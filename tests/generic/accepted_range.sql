{#- Fails on every non-null value of the column outside [min_value, max_value] (either bound optional). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("Strata test accepted_range: give min_value, max_value or both.") }}
    {%- endif -%}
    {%- set lower = '>=' if inclusive else '>' -%}
    {%- set upper = '<=' if inclusive else '<' -%}
    {%- set conditions = [] -%}
    {%- if min_value is not none %}{% do conditions.append(column_name ~ ' ' ~ lower ~ ' ' ~ min_value) %}{% endif -%}
    {%- if max_value is not none %}{% do conditions.append(column_name ~ ' ' ~ upper ~ ' ' ~ max_value) %}{% endif -%}
    {{ strata_rows_violating(model, conditions | join(' and '), column_name ~ ' is not null') }}
{% endtest %}
