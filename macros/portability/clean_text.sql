{#-
    Text as read from a raw file: leading and trailing white space removed (spaces, tabs, line
    breaks, no-break spaces), blank becomes null; case and unicode are kept.
-#}
{% macro strata_clean_text(expression) %}
    {{ return(adapter.dispatch('strata_clean_text', 'strata')(expression)) }}
{% endmacro %}

{% macro default__strata_clean_text(expression) -%}
    nullif(trim(cast({{ expression }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{% macro duckdb__strata_clean_text(expression) -%}
    nullif(trim(cast({{ expression }} as varchar), ' ' || chr(9) || chr(10) || chr(13) || chr(160)), '')
{%- endmacro %}
