{#-
    Incremental refresh window (docs/incremental.md).

    strata_recompute_from_date(date_column): the first date an incremental run recomputes, as a
    SQL date literal: the earliest of as_of_date, the day after the
    latest date_column stored in the model's table (so a run after a pause, or after a failed run,
    also fills the gap) and the earliest transaction date judged in int_transactions_validated
    since the last completed refresh (macros/incremental/completed_refreshes.sql: a late raw row
    can change the verdict of an older transaction). Every snapshot, or transaction, dated on or
    after it is recomputed; older rows are kept as stored. In a full build (the table does not exist yet, or
    --full-refresh) it is 1900-01-01, so the same SQL recomputes everything.

    strata_delete_recomputed_snapshots(date_column, calendar): the pre-hook of the incremental
    models. It deletes the stored rows the run is about to recompute: those dated on or after the
    recompute date and, for snapshot models (calendar=true), snapshots that are no longer in the
    calendar (an as_of_date that moved). It logs the recompute date for the scoped uniqueness
    tests (macros/incremental/verified_builds.sql).
-#}
{% macro strata_recompute_from_date(date_column='snapshot_date') %}
    {%- if execute and is_incremental() -%}
        {%- set as_of = run_query(
            'select max(snapshot_date) as value from ' ~ ref('int_snapshot_dates')
        ).columns['value'].values()[0] -%}
        {%- set latest_stored = run_query(
            'select max(' ~ date_column ~ ') as value from ' ~ this
        ).columns['value'].values()[0] -%}
        {%- if as_of is not none and latest_stored is not none -%}
            {%- set timedelta = modules.datetime.timedelta -%}
            {%- set candidates = [as_of, latest_stored + timedelta(days=1)] -%}
            {%- set earliest_changed = strata_earliest_changed(ref('int_transactions_validated')) -%}
            {%- if earliest_changed is not none -%}
                {%- do candidates.append(earliest_changed) -%}
            {%- endif -%}
            {%- set recompute_from = candidates | min -%}
            {{ return(strata_date_literal(recompute_from)) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(strata_date_literal(none)) }}
{% endmacro %}

{% macro strata_delete_recomputed_snapshots(date_column='snapshot_date', calendar=true) %}
    {%- set recompute_from = strata_recompute_from_date(date_column) -%}
    {%- if is_incremental() and not strata_is_empty_run() -%}
        delete from {{ this }}
        where
            {{ date_column }} >= {{ recompute_from }}
            {%- if calendar %}
                or {{ date_column }} not in (select snapshot_date from {{ ref('int_snapshot_dates') }})
            {%- endif %};
    {%- endif %}
    {{ strata_log_recompute(recompute_from) }}
{% endmacro %}

{#-
    strata_rows_at_last_kept_snapshot(columns, recompute_from): in an incremental run, the stored
    rows of the model's own table at its last snapshot before the recompute date (the state the
    recomputed snapshots continue from); in a full build, no rows. columns maps each column name
    to its SQL type (used for the typed empty result of a full build).
-#}
{% macro strata_rows_at_last_kept_snapshot(columns, recompute_from) %}
    {%- if is_incremental() -%}
        select
            {%- for column_name in columns %}
                {{ column_name }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ this }}
        where snapshot_date = (
            select max(snapshot_date) from {{ this }}
            where snapshot_date < {{ recompute_from }}
        )
    {%- else -%}
        select
            {%- for column_name, column_type in columns.items() %}
                cast(null as {{ column_type }}) as {{ column_name }}{{ ',' if not loop.last }}
            {%- endfor %}

        where false
    {%- endif -%}
{% endmacro %}
