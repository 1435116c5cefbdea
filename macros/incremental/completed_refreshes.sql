{#-
    The refresh watermark (README "Incremental refresh").

    A run that judges an older raw row again (macros/incremental/revalidate_from.sql) stamps the
    verdict with its judged_at, and the incremental models built from the validated tables
    recompute from that row's date. If the run stops before all of them are rebuilt (a failed
    test skips them, SIGTERM, --select), the next runs must still do it. So the date is taken
    over every verdict made since the last completed refresh, not only this run's.

    strata_record_completed_refresh(results): on-run-end hook. After a `dbt build` or `dbt run`
    in which every incremental model of the project succeeded, it appends this run's
    run_started_at to the table strata_completed_refreshes, next to the validated tables.

    strata_earliest_rejudged(validated_relation, timestamp_column): the earliest date among the
    verdicts of a validated table made since the last completed refresh (all of them when none
    is recorded), as a date, or none. Dates before 1900-01-01 count as 1900-01-01 (the start of
    everything for the incremental models; DuckDB would return a year-0 date as text).
-#}
{% macro strata_record_completed_refresh(results) %}
    {%- if not execute or flags.WHICH not in ['build', 'run'] or strata_is_empty_run() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set succeeded = [] -%}
    {%- for result in results -%}
        {%- if result.status == 'success' -%}
            {%- do succeeded.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name
            and node.config.materialized == 'incremental' and node.unique_id not in succeeded -%}
            {{ return('') }}
        {%- endif -%}
    {%- endfor -%}
    {%- set watermarks = strata_bookkeeping_relation('strata_completed_refreshes') -%}
    {%- do run_query(
        'insert into ' ~ watermarks ~ ' values (' ~ strata_this_run() ~ ')'
    ) -%}
{% endmacro %}

{% macro strata_earliest_rejudged(validated_relation, timestamp_column) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set watermarks = strata_bookkeeping_relation('strata_completed_refreshes') -%}
    {%- set since = "cast('1900-01-01' as timestamp)" -%}
    {%- if adapter.get_relation(watermarks.database, watermarks.schema, watermarks.identifier) is not none -%}
        {%- set since = '(select coalesce(max(run_started_at), ' ~ since ~ ') from ' ~ watermarks ~ ')' -%}
    {%- endif -%}
    {{ return(run_query(
        'select greatest(min(cast(' ~ timestamp_column ~ ' as date)), ' ~ strata_date_literal(none) ~ ') as value'
        ~ ' from ' ~ validated_relation ~ ' where judged_at > ' ~ since
    ).columns['value'].values()[0]) }}
{% endmacro %}
