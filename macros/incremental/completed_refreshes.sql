{#-
    The refresh watermark (README "Incremental refresh").

    A run that changes a verdict (a raw row added, removed or judged differently, possibly an
    old one: macros/incremental/revalidate_from.sql) logs the earliest changed date, and the
    incremental models built from the validated tables recompute from it. If the run stops
    before all of them are rebuilt (a failed test skips them, SIGTERM, --select), the next runs
    must still do it. So the date is taken over every change logged since the last completed
    refresh, not only this run's.

    strata_record_completed_refresh(results): on-run-end hook. After a `dbt build` or `dbt run`
    in which every incremental model of the project succeeded, it appends this run's
    run_started_at to the table strata_completed_refreshes, next to the validated tables.

    strata_log_verdict_changes(replaced, timestamp_column): in the post-hook of a validated model
    (strata_delete_replaced_verdicts), before the replaced verdicts are deleted, it appends to
    strata_verdict_changes (model_name, run_started_at, changed_from) the earliest date of
    timestamp_column among the rows that differ between this run's verdicts and the replaced
    ones, copied to the table `replaced` (every column but judged_at compared; a row added,
    removed or judged differently), and nothing when they are the same. replaced = none (a full
    build) logs 1900-01-01.

    strata_earliest_changed(validated_relation): the earliest changed_from logged for the
    validated table since the last completed refresh (all of them when none is recorded), as a
    date, or none. Dates before 1900-01-01 count as 1900-01-01 (the start of everything for the
    incremental models; DuckDB would return a year-0 date as text).
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

{% macro strata_log_verdict_changes(replaced, timestamp_column=none) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set changes_log = strata_bookkeeping_relation('strata_verdict_changes') -%}
    {%- set this_run = strata_this_run() -%}
    {%- if replaced is none -%}
        insert into {{ changes_log }}
        values ('{{ this.identifier }}', {{ this_run }}, {{ strata_date_literal(none) }})
    {%- else -%}
        {%- set compared = [] -%}
        {%- for column in adapter.get_columns_in_relation(this) if column.name | lower != 'judged_at' -%}
            {%- do compared.append(adapter.quote(column.name)) -%}
        {%- endfor -%}
        {%- set columns = compared | join(', ') -%}
        insert into {{ changes_log }}
        select
            '{{ this.identifier }}',
            {{ this_run }},
            greatest(min(cast({{ timestamp_column }} as date)), {{ strata_date_literal(none) }})

        from (
            (
                select {{ columns }} from {{ this }} where judged_at = {{ this_run }}
                except all
                select {{ columns }} from {{ replaced }}
            )
            union all
            (
                select {{ columns }} from {{ replaced }}
                except all
                select {{ columns }} from {{ this }} where judged_at = {{ this_run }}
            )
        ) as changed_rows
        having count(*) > 0
    {%- endif -%}
{%- endmacro %}

{% macro strata_earliest_changed(validated_relation) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set watermarks = strata_bookkeeping_relation('strata_completed_refreshes') -%}
    {%- set changes_log = strata_bookkeeping_relation('strata_verdict_changes') -%}
    {{ return(run_query(
        'select min(changed_from) as value from ' ~ changes_log
        ~ " where model_name = '" ~ validated_relation.identifier ~ "'"
        ~ " and run_started_at > (select coalesce(max(run_started_at), cast('1900-01-01' as timestamp)) from "
        ~ watermarks ~ ')'
    ).columns['value'].values()[0]) }}
{% endmacro %}
