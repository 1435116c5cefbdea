{#-
    Uniqueness tests that check only what a refresh can have changed (README "Incremental
    refresh", "Tests in a refresh").

    A refresh rewrites a few recent snapshots (or days) of each incremental model, yet a
    uniqueness test groups the whole table; on the large tables that is most of a refresh's test
    time. If a test found the table's keys unique and since then only rows dated on or after D
    were written, a duplicate must involve a row dated on or after D: checking the key values that
    occur on or after D is exact. The facts that argument needs are kept in two tables, both
    created by the on-run-start hook strata_create_state_table (macros/state/warehouse_state.sql)
    and documented in models/intermediate/_strata_state__sources.yml:

    strata_model_state      recomputed_from of every build of an incremental model: the first
                            date it rewrote (1900-01-01 in a full build).
    strata_verified_tests   (test_key, run_started_at): each run in which a uniqueness test with
                            recomputed_date_column passed with no failing row and no where or
                            limit config (on-run-end hook strata_record_verified_tests). A test
                            that fails, warns or errors loses its records, so the next build
                            checks the whole table again. test_key names the model, the columns
                            and the date column, so a new or changed test starts unverified.

    strata_tested_from(relation, combination_of_columns, date_column): in a `dbt build`, the
    earliest recomputed_from recorded for the relation since the test's last verified run, as a
    SQL date literal; none (test the whole table) outside `dbt build`, for an unverified test,
    when no build of the model is recorded since, when the records of that time were pruned, or
    when that date is 1900-01-01 (a full build since). A stopped run, a `dbt run` without tests
    or a failed test leaves its writes in the next build's window. Writes that bypass the record
    (SQL by hand) are found only by `dbt test`, which always checks whole tables.
-#}
{% macro strata_record_verified_tests(results) %}
    {%- if not execute or strata_is_empty_run() or not strata_builds_incrementally() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set verified_tests = strata_verified_tests_relation() -%}
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
    {%- if not execute or flags.WHICH != 'build' or strata_is_empty_run() or not strata_builds_incrementally() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set test_key = strata_test_key(relation.identifier, combination_of_columns, date_column) -%}
    {%- set state_table = strata_state_relation() -%}
    {%- set model_rows = state_table ~ " where model_name = '" ~ relation.identifier ~ "'" -%}
    {#- verified_at: the test's last verified run. Only when a record of the model from then or
        earlier is still kept (the state table is pruned from the oldest end) are all the
        model's writes since then known. -#}
    {%- set scope = run_query(
        'with verified as (select max(run_started_at) as verified_at from ' ~ strata_verified_tests_relation()
        ~ " where test_key = '" ~ test_key ~ "')"
        ~ ' select'
        ~ ' (select min(coalesce(recomputed_from, ' ~ strata_date_literal(none) ~ ')) from ' ~ model_rows
        ~ ' and run_started_at > verified.verified_at) as tested_from,'
        ~ ' (select count(*) from ' ~ model_rows ~ ' and run_started_at <= verified.verified_at) as earlier_records'
        ~ ' from verified'
    ).rows[0] -%}
    {%- set tested_from = scope['tested_from'] -%}
    {%- if scope['earlier_records'] == 0 or tested_from is none
        or tested_from <= modules.datetime.date(1900, 1, 1) -%}
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

{#- The table of verified uniqueness tests, next to strata_model_state. -#}
{% macro strata_verified_tests_relation() %}
    {{ return(strata_state_relation().incorporate(path={'identifier': 'strata_verified_tests'})) }}
{% endmacro %}
