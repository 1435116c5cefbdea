{#-
    Post-hook of every model (dbt_project.yml): on PostgreSQL, ANALYZE the table just written.

    PostgreSQL plans a query from its tables' statistics, which a new table has none of until
    autovacuum gets to it. At 10M transactions, rpt_growth_kpis_monthly was planned on guesses (a
    one-row table taken for 1,100 rows, a million activated customers for 200) as a nested loop,
    and ran for more than 15 minutes; with statistics it took 12 s. DuckDB and Spark plan without
    them: nothing to do there.
-#}
{% macro strata_analyze_table() %}
    {{ return(adapter.dispatch('strata_analyze_table', 'strata')()) }}
{% endmacro %}

{% macro default__strata_analyze_table() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__strata_analyze_table() %}
    {%- if execute and model.config.materialized in ['table', 'incremental'] -%}
        {{ return('analyze ' ~ this) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
