{#-
    A hash of a row's columns (a list of column expressions), for fingerprints that compare sets of
    rows by sum (macros/incremental/completed_refreshes.sql). DuckDB's hash() is 64 bits and takes
    any number of columns of any type, nulls included; on other databases override this macro
    with their own (Spark: xxhash64, Postgres: hashtextextended over the row as text).
-#}
{% macro strata_row_hash(columns) %}
    {{ return(adapter.dispatch('strata_row_hash', 'strata')(columns)) }}
{% endmacro %}

{% macro default__strata_row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
