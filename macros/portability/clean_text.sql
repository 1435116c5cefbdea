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

{#-
    DuckDB: trim() with a character list is slow on millions of rows, and almost every value has
    nothing to trim. A value whose first and last characters are not white space (one regular
    expression match) is returned as it is; only the others are trimmed.
-#}
{% macro duckdb__strata_clean_text(expression) -%}
    {%- set text = 'cast(' ~ expression ~ ' as varchar)' -%}
    case
        when regexp_full_match({{ text }}, '(?s)[^ \t\n\r\xa0](.*[^ \t\n\r\xa0])?') then {{ text }}
        else nullif(trim({{ text }}, ' ' || chr(9) || chr(10) || chr(13) || chr(160)), '')
    end
{%- endmacro %}

{#- PostgreSQL: trim() removes spaces only; btrim() with the same characters as DuckDB's. -#}
{% macro postgres__strata_clean_text(expression) -%}
    nullif(btrim(cast({{ expression }} as text), ' ' || chr(9) || chr(10) || chr(13) || chr(160)), '')
{%- endmacro %}

{#- Spark: trim() with the same characters as DuckDB's (chr(160) is the no-break space). -#}
{% macro spark__strata_clean_text(expression) -%}
    nullif(trim(both concat(' ', chr(9), chr(10), chr(13), chr(160)) from cast({{ expression }} as string)), '')
{%- endmacro %}
