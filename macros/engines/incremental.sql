{#-
    Whether this engine builds the project's incremental models incrementally (docs/incremental.md).

    The incremental design appends what a run recomputes and deletes the rows it replaces, keyed
    by date or by raw key, and keeps its bookkeeping (intermediate.strata_model_state,
    strata_verified_tests) with deletes too. DuckDB and PostgreSQL do that. Spark's plain Parquet
    tables refuse DELETE, MERGE and UPDATE, so on Spark every one of these models is a table
    rebuilt in full on each build, and the bookkeeping is not kept (README, "Running on Spark /
    PostgreSQL"). The models choose their materialization with strata_incremental_materialization().
-#}
{% macro strata_builds_incrementally() %}
    {{ return(adapter.dispatch('strata_builds_incrementally', 'strata')()) }}
{% endmacro %}

{% macro default__strata_builds_incrementally() %}
    {{ return(true) }}
{% endmacro %}

{% macro spark__strata_builds_incrementally() %}
    {{ return(false) }}
{% endmacro %}

{#- 'incremental', or 'table' on an engine that rebuilds these models in full. -#}
{% macro strata_incremental_materialization() %}
    {{ return('incremental' if strata_builds_incrementally() else 'table') }}
{% endmacro %}
