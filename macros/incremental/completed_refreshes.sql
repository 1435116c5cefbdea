{#-
    The refresh watermark (docs/incremental.md).

    A run that changes a verdict (a raw row added, removed or judged differently, possibly an
    old one: macros/incremental/revalidate_from.sql) logs the earliest changed date, and the
    incremental models built from the validated tables recompute from it. If the run stops
    before all of them are rebuilt (a failed test skips them, SIGTERM, --select), the next runs
    must still do it. So the date is taken over every change logged since the last completed
    refresh, not only this run's.

    strata_record_completed_refresh(results): on-run-end hook. After a `dbt build` or `dbt run`
    in which every incremental model of the project succeeded, it appends this run's
    run_started_at to the table strata_completed_refreshes, next to the validated tables.

    strata_log_verdict_changes(from_date, timestamp_column): in the post-hook of a validated model
    (strata_delete_replaced_verdicts), before the replaced verdicts are deleted, it appends to
    strata_verdict_changes (model_name, run_started_at, changed_from) the earliest of
    - each date on or after from_date (the revalidation date) whose verdicts differ between this
      run and the stored ones: compared per date by the number of verdicts and the sum of a
      64-bit hash of each verdict (every column but judged_at), so a row added, removed or
      judged differently changes it. (Two different sets of verdicts for a date compare equal
      only if their hash sums collide, about one chance in 2^64.) Comparing fingerprints, not
      rows, keeps this to two aggregates over the window: an exact set difference of the
      window's rows cost ten times more, more than the recompute it saves;
    - the earliest date of this run's verdicts dated before from_date: rows of keys reaching
      back, judged again because a newer row shares their key (rare), counted as changed;
    and nothing when neither gives a date. from_date = none (a full build) logs 1900-01-01.
    Rows without a timestamp have no date; they are always rejected and change others only
    through their key, which then shows on the dated rows. A stored verdict dated before
    from_date that is deleted with no successor there (its raw row was removed, or re-dated into
    the window) is not logged: that is a change to raw rows before the revalidation date, which
    the run-start check strata_check_raw_unchanged finds (the run then rebuilds in full;
    docs/incremental.md).

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

{% macro strata_log_verdict_changes(from_date, timestamp_column=none) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set changes_log = strata_bookkeeping_relation('strata_verdict_changes') -%}
    {%- set this_run = strata_this_run() -%}
    {%- if from_date is none -%}
        insert into {{ changes_log }}
        values ('{{ this.identifier }}', {{ this_run }}, {{ strata_date_literal(none) }})
    {%- else -%}
        {%- set compared = [] -%}
        {%- for column in adapter.get_columns_in_relation(this) if column.name | lower != 'judged_at' -%}
            {%- do compared.append(adapter.quote(column.name)) -%}
        {%- endfor -%}
        {%- set verdict_date = 'cast(' ~ timestamp_column ~ ' as date)' -%}
        {%- set fingerprint -%}
            count(*) as verdicts, sum({{ strata_row_hash(compared) }}) as hash_sum
        {%- endset -%}
        insert into {{ changes_log }}
        with

        new_window as (

            select {{ verdict_date }} as verdict_date, {{ fingerprint }}
            from {{ this }}
            where judged_at = {{ this_run }} and {{ timestamp_column }} >= {{ from_date }}
            group by {{ verdict_date }}

        ),

        stored_window as (

            select {{ verdict_date }} as verdict_date, {{ fingerprint }}
            from {{ this }}
            where judged_at <> {{ this_run }} and {{ timestamp_column }} >= {{ from_date }}
            group by {{ verdict_date }}

        ),

        changed_dates as (

            select coalesce(new_window.verdict_date, stored_window.verdict_date) as verdict_date
            from new_window
            full outer join stored_window
                on new_window.verdict_date = stored_window.verdict_date
            where
                new_window.verdicts is null
                or stored_window.verdicts is null
                or new_window.verdicts <> stored_window.verdicts
                or new_window.hash_sum <> stored_window.hash_sum

            union all

            select {{ verdict_date }} as verdict_date
            from {{ this }}
            where judged_at = {{ this_run }} and {{ timestamp_column }} < {{ from_date }}

        )

        select
            '{{ this.identifier }}',
            {{ this_run }},
            greatest(min(verdict_date), {{ strata_date_literal(none) }})

        from changed_dates
        having count(*) > 0
    {%- endif -%}
{%- endmacro %}

{% macro strata_earliest_changed(validated_relation) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set watermarks = strata_bookkeeping_relation('strata_completed_refreshes') -%}
    {%- set changes_log = strata_bookkeeping_relation('strata_verdict_changes') -%}
    {#- Commands that run no on-run-start hook (dbt compile, dbt show) may meet a warehouse built
        before these tables existed. -#}
    {%- for relation in [watermarks, changes_log] -%}
        {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(run_query(
        'select min(changed_from) as value from ' ~ changes_log
        ~ " where model_name = '" ~ validated_relation.identifier ~ "'"
        ~ " and run_started_at > (select coalesce(max(run_started_at), cast('1900-01-01' as timestamp)) from "
        ~ watermarks ~ ')'
    ).columns['value'].values()[0]) }}
{% endmacro %}
