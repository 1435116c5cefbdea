{#-
    Uniqueness tests that check only what a refresh can have changed (README "Incremental
    refresh", "Tests in a refresh").

    A refresh rewrites a few recent snapshots (or days) of each incremental model, yet a
    uniqueness test groups the whole table; on the large tables that is most of a refresh's test
    time. If the table was verified unique and since then only rows dated on or after D were
    written, a duplicate must involve a row dated on or after D: checking the key values that
    occur on or after D is exact. Two tables keep the facts that argument needs, next to the
    validated tables:

    strata_recompute_log      (model_name, run_started_at, recomputed_from): one row per run of
                              an incremental model, written by its pre-hook (strata_log_recompute):
                              the first date the run rewrote (1900-01-01 in a full build).
    strata_verified_builds    (run_started_at): every `dbt build` or `dbt test` in which every data
                              test of the project ran and passed (or warned); on-run-end hook
                              strata_record_verified_build. It also prunes log rows made before it.

    strata_tested_from(relation): in a `dbt build`, the earliest recomputed_from logged for the
    relation since the last verified build, as a SQL date literal; none (test the whole table)
    outside `dbt build`, before the first verified build, or when nothing is logged. A run that
    stopped, a `dbt run` without tests, a failed test or a `--select`ed build is not verified, so
    its writes stay in the window until a build verifies them.
-#}
{% macro strata_log_recompute(recompute_from) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set recompute_log = strata_bookkeeping_relation('strata_recompute_log') -%}
    create table if not exists {{ recompute_log }} (
        model_name {{ dbt.type_string() }},
        run_started_at {{ dbt.type_timestamp() }},
        recomputed_from date
    );
    insert into {{ recompute_log }}
    values ('{{ this.identifier }}', {{ strata_this_run() }}, {{ recompute_from }})
{%- endmacro %}

{% macro strata_record_verified_build(results) %}
    {%- if not execute or flags.WHICH not in ['build', 'test'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.status in ['pass', 'warn'] -%}
            {%- do passed.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'test' and node.package_name == project_name
            and node.unique_id not in passed -%}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set verified = strata_bookkeeping_relation('strata_verified_builds') -%}
    {%- set recompute_log = strata_bookkeeping_relation('strata_recompute_log') -%}
    {%- do run_query('create table if not exists ' ~ verified ~ ' (run_started_at ' ~ dbt.type_timestamp() ~ ')') -%}
    {%- do run_query('insert into ' ~ verified ~ ' values (' ~ strata_this_run() ~ ')') -%}
    {%- if strata_table_exists(recompute_log) -%}
        {%- do run_query('delete from ' ~ recompute_log ~ ' where run_started_at <= ' ~ strata_this_run()) -%}
    {%- endif -%}
{% endmacro %}

{% macro strata_tested_from(relation) %}
    {%- if not execute or flags.WHICH != 'build' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set verified = strata_bookkeeping_relation('strata_verified_builds') -%}
    {%- set recompute_log = strata_bookkeeping_relation('strata_recompute_log') -%}
    {%- if not (strata_table_exists(verified) and strata_table_exists(recompute_log)) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested_from = run_query(
        'select min(recomputed_from) as value from ' ~ recompute_log
        ~ " where model_name = '" ~ relation.identifier ~ "'"
        ~ ' and run_started_at > (select max(run_started_at) from ' ~ verified ~ ')'
    ).columns['value'].values()[0] -%}
    {{ return(strata_date_literal(tested_from) if tested_from is not none else none) }}
{% endmacro %}

{#- A bookkeeping table of the incremental runs, in the schema of the validated tables. -#}
{% macro strata_bookkeeping_relation(identifier) %}
    {%- set validated = graph.nodes['model.' ~ project_name ~ '.int_transactions_validated'] -%}
    {{ return(api.Relation.create(
        database=validated.database, schema=validated.schema, identifier=identifier
    )) }}
{% endmacro %}

{#- Whether the table exists now (asked of the database: dbt's relation cache misses tables
    created during the run). -#}
{% macro strata_table_exists(relation) %}
    {{ return(run_query(
        "select count(*) as value from information_schema.tables"
        ~ " where table_catalog = '" ~ relation.database ~ "' and table_schema = '" ~ relation.schema
        ~ "' and table_name = '" ~ relation.identifier ~ "'"
    ).columns['value'].values()[0] > 0) }}
{% endmacro %}
