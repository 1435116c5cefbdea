{#- An 8-byte float. dbt.type_float() is a 4-byte REAL on DuckDB, too coarse for shares and rates. -#}
{% macro strata_type_double() %}
    {{ return(adapter.dispatch('strata_type_double', 'strata')()) }}
{% endmacro %}

{% macro default__strata_type_double() %}double precision{% endmacro %}

{% macro duckdb__strata_type_double() %}double{% endmacro %}

{% macro spark__strata_type_double() %}double{% endmacro %}
