{#-
    As dbt_utils.accepted_range: fails on every row whose column is below min_value or above
    max_value (a bound left out is open; inclusive=false excludes the bounds themselves). A null
    value passes. Giving neither bound stops compilation (dbt_utils would test nothing).
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("Strata test accepted_range: give min_value, max_value or both.") }}
    {%- endif -%}
    {%- set bounds = [] -%}
    {%- if min_value is not none %}{% do bounds.append(column_name ~ ' >' ~ ('=' if inclusive else '') ~ ' ' ~ min_value) %}{% endif -%}
    {%- if max_value is not none %}{% do bounds.append(column_name ~ ' <' ~ ('=' if inclusive else '') ~ ' ' ~ max_value) %}{% endif -%}
    {{ strata_rows_violating(model, bounds | join(' and ')) }}
{% endtest %}
