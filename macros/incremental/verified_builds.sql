{#-
    Uniqueness tests that check only what a refresh can have changed (README "Incremental
    refresh", "Tests in a refresh").

    A refresh rewrites a few recent snapshots (or days) of each incremental model, yet a
    uniqueness test groups the whole table; on the large tables that is most of a refresh's test
    time. If a test found the table's keys unique and since then only rows dated on or after D
    were written, a duplicate must involve a row dated on or after D: checking the key values that
    occur on or after D is exact. Two tables keep the facts that argument needs, next to the
    validated tables (created by the on-run-start hook strata_create_bookkeeping_tables, outside
    the models' transactions, together with strata_completed_refreshes of
    macros/incremental/completed_refreshes.sql):

    strata_recompute_log    (model_name, run_started_at, recomputed_from): one row per run of an
                            incremental model, written by its pre-hook (strata_log_recompute):
                            the first date the run rewrote (1900-01-01 in a full build).
    strata_verified_tests   (test_key, run_started_at): each run in which a uniqueness test with
                            recomputed_date_column passed with no failing row and no where or
                            limit config (on-run-end hook strata_record_verified_tests). A test
                            that fails, warns or errors loses its records, so the next build
                            checks the whole table again. test_key names the model, the columns
                            and the date column, so a new or changed test starts unverified.

    strata_tested_from(relation, combination_of_columns, date_column): in a `dbt build`, the
    earliest recomputed_from logged for the relation since the test's last verified run, as a SQL
    date literal; none (test the whole table) outside `dbt build`, for an unverified test, when
    nothing is logged since, or when that date is 1900-01-01 (a full build since). A stopped run,
    a `dbt run` without tests or a failed test leaves its writes in the next build's window.
    Writes that bypass the log (SQL by hand, a checkout of Strata older than the log) are found
    only by `dbt test`, which always checks whole tables.

    strata_is_empty_run(): whether dbt runs with --empty (refs read as empty relations): the
    incremental hooks then delete nothing and record nothing.
-#}
{% macro strata_create_bookkeeping_tables() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set recompute_log = strata_bookkeeping_relation('strata_recompute_log') -%}
    {%- set verified_tests = strata_bookkeeping_relation('strata_verified_tests') -%}
    {%- set completed_refreshes = strata_bookkeeping_relation('strata_completed_refreshes') -%}
    {%- set verdict_changes = strata_bookkeeping_relation('strata_verdict_changes') -%}
    {%- do run_query('create schema if not exists ' ~ recompute_log.without_identifier()) -%}
    {%- do run_query(
        'create table if not exists ' ~ completed_refreshes ~ ' (run_started_at ' ~ dbt.type_timestamp() ~ ')'
    ) -%}
    {%- do run_query(
        'create table if not exists ' ~ verdict_changes ~ ' (model_name ' ~ dbt.type_string()
        ~ ', run_started_at ' ~ dbt.type_timestamp() ~ ', changed_from date)'
    ) -%}
    {%- do run_query(
        'create table if not exists ' ~ recompute_log ~ ' (model_name ' ~ dbt.type_string()
        ~ ', run_started_at ' ~ dbt.type_timestamp() ~ ', recomputed_from date)'
    ) -%}
    {%- do run_query(
        'create table if not exists ' ~ verified_tests ~ ' (test_key ' ~ dbt.type_string()
        ~ ', run_started_at ' ~ dbt.type_timestamp() ~ ')'
    ) -%}
    {%- do run_query(
        'create table if not exists ' ~ strata_bookkeeping_relation('strata_model_state')
        ~ ' (model_name ' ~ dbt.type_string() ~ ', run_started_at ' ~ dbt.type_timestamp()
        ~ ', inputs ' ~ dbt.type_string() ~ ', rebuilt_in_full ' ~ dbt.type_boolean() ~ ')'
    ) -%}
{% endmacro %}

{% macro strata_log_recompute(recompute_from) %}
    {%- if not execute or strata_is_empty_run() -%}
        {{ return('') }}
    {%- endif -%}
    insert into {{ strata_bookkeeping_relation('strata_recompute_log') }}
    values ('{{ this.identifier }}', {{ strata_this_run() }}, {{ recompute_from }})
{%- endmacro %}

{% macro strata_record_verified_tests(results) %}
    {%- if not execute or strata_is_empty_run() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set verified_tests = strata_bookkeeping_relation('strata_verified_tests') -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- set test_key = strata_scoped_test_key(node) -%}
        {%- if test_key is not none -%}
            {%- if result.status == 'pass' and (result.failures or 0) == 0
                and node.config.where is none and node.config.limit is none -%}
                {%- do run_query(
                    'insert into ' ~ verified_tests ~ " values ('" ~ test_key ~ "', " ~ strata_this_run() ~ ')'
                ) -%}
            {%- elif result.status in ['fail', 'warn', 'error'] -%}
                {%- do run_query('delete from ' ~ verified_tests ~ " where test_key = '" ~ test_key ~ "'") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{% macro strata_tested_from(relation, combination_of_columns, date_column) %}
    {%- if not execute or flags.WHICH != 'build' or strata_is_empty_run() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set test_key = strata_test_key(relation.identifier, combination_of_columns, date_column) -%}
    {%- set tested_from = run_query(
        'select min(recomputed_from) as value from ' ~ strata_bookkeeping_relation('strata_recompute_log')
        ~ " where model_name = '" ~ relation.identifier ~ "' and run_started_at > ("
        ~ 'select max(run_started_at) from ' ~ strata_bookkeeping_relation('strata_verified_tests')
        ~ " where test_key = '" ~ test_key ~ "')"
    ).columns['value'].values()[0] -%}
    {%- if tested_from is none or tested_from <= modules.datetime.date(1900, 1, 1) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(strata_date_literal(tested_from)) }}
{% endmacro %}

{#- The key of a uniqueness test with recomputed_date_column, or none for any other node. -#}
{% macro strata_scoped_test_key(node) %}
    {%- if node.resource_type != 'test' or node.test_metadata is not defined or node.test_metadata is none
        or node.test_metadata.name != 'unique_combination_of_columns' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set arguments = node.test_metadata.kwargs -%}
    {%- if arguments.get('recomputed_date_column') is none or node.attached_node not in graph.nodes -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(strata_test_key(
        graph.nodes[node.attached_node].alias,
        arguments['combination_of_columns'],
        arguments['recomputed_date_column'],
    )) }}
{% endmacro %}

{% macro strata_test_key(model_name, combination_of_columns, date_column) %}
    {{ return(model_name ~ ':' ~ (combination_of_columns | join(',')) ~ ':' ~ date_column) }}
{% endmacro %}

{#- A bookkeeping table of the incremental runs, in the schema of the validated tables. -#}
{% macro strata_bookkeeping_relation(identifier) %}
    {%- set validated = graph.nodes['model.' ~ project_name ~ '.int_transactions_validated'] -%}
    {{ return(api.Relation.create(
        database=validated.database, schema=validated.schema, identifier=identifier
    )) }}
{% endmacro %}

{% macro strata_is_empty_run() %}
    {{ return(invocation_args_dict.get('empty', false) == true) }}
{% endmacro %}
