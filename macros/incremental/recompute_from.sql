{#-
    What an incremental run recomputes (docs/incremental.md, "Transactions and snapshots").

    strata_recompute_from_date(date_column): the first date the model being built recomputes, as
    a SQL date literal; every row dated on or after it is recomputed, older rows are kept as
    stored. Computed once per run and model (the pre-hook, the body and the state record all use
    this one value):
    - a full build (no table yet, --full-refresh, or changed build inputs): 1900-01-01, so the
      same SQL recomputes everything;
    - else the earliest date that a validated table upstream rewrote since this model's last
      build (strata_changed_upstream_since_last_build), and for the snapshot models
      (date_column = 'snapshot_date') also as_of_date (the snapshot that moves with every day
      of data) and the day after the latest snapshot stored (a run after a pause fills the gap);
    - for a model dated by transaction or event (fct_transactions, fct_events) with no upstream
      change: 9999-12-31, nothing to recompute.

    strata_delete_recomputed_snapshots(date_column, calendar): the pre-hook of those models. It
    deletes the stored rows the run is about to recompute: those dated on or after the recompute
    date and, for snapshot models (calendar=true), snapshots no longer in the calendar (an
    as_of_date that moved).
-#}
{% macro strata_recompute_from_date(date_column='snapshot_date') %}
    {{ return(strata_date_literal(strata_recompute_from(date_column))) }}
{% endmacro %}

{#- The recompute date as a date (none = everything), cached per run and model. -#}
{% macro strata_recompute_from(date_column='snapshot_date') %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set cache = graph.setdefault('strata_recompute_from', {}) -%}
    {%- set key = invocation_id ~ ':' ~ this -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: strata_compute_recompute_from(date_column)}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{% macro strata_compute_recompute_from(date_column) %}
    {%- if not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set candidates = [] -%}
    {%- set changed = strata_changed_upstream_since_last_build() -%}
    {%- if changed is not none -%}
        {%- do candidates.append(changed) -%}
    {%- endif -%}
    {%- if date_column == 'snapshot_date' -%}
        {%- set bounds = run_query(
            'select (select max(snapshot_date) from ' ~ ref('int_snapshot_dates') ~ ') as as_of,'
            ~ ' (select max(snapshot_date) from ' ~ this ~ ') as latest_stored'
        ).rows[0] -%}
        {%- if bounds['as_of'] is none or bounds['latest_stored'] is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- do candidates.append(bounds['as_of']) -%}
        {%- do candidates.append(bounds['latest_stored'] + modules.datetime.timedelta(days=1)) -%}
    {%- endif -%}
    {{ return(candidates | min if candidates else modules.datetime.date(9999, 12, 31)) }}
{% endmacro %}

{% macro strata_delete_recomputed_snapshots(date_column='snapshot_date', calendar=true) %}
    {%- if is_incremental() and not strata_is_empty_run() -%}
        delete from {{ this }}
        where
            {{ date_column }} >= {{ strata_recompute_from_date(date_column) }}
            {%- if calendar %}
                or {{ date_column }} not in (select snapshot_date from {{ ref('int_snapshot_dates') }})
            {%- endif %}
    {%- endif %}
{% endmacro %}

{#-
    strata_rows_at_last_kept_snapshot(columns): in an incremental run, the stored rows of the
    model's own table at its last snapshot before the recompute date (the state the recomputed
    snapshots continue from); in a full build, no rows. columns maps each column name to its SQL
    type (used for the typed empty result of a full build).
-#}
{% macro strata_rows_at_last_kept_snapshot(columns) %}
    {%- if is_incremental() -%}
        select
            {%- for column_name in columns %}
                {{ column_name }}{{ ',' if not loop.last }}
            {%- endfor %}

        from {{ this }}
        where snapshot_date = (
            select max(snapshot_date) from {{ this }}
            where snapshot_date < {{ strata_recompute_from_date() }}
        )
    {%- else -%}
        select
            {%- for column_name, column_type in columns.items() %}
                cast(null as {{ column_type }}) as {{ column_name }}{{ ',' if not loop.last }}
            {%- endfor %}

        where false
    {%- endif -%}
{% endmacro %}

{#- A date (or none: the start of everything, 1900-01-01) as a SQL date literal. -#}
{% macro strata_date_literal(value) %}
    {%- set day = value.isoformat() if value is not none else '1900-01-01' -%}
    {{ return("cast('" ~ day ~ "' as date)") }}
{% endmacro %}

{#- This dbt invocation's start (UTC) as a SQL timestamp: judged_at of the verdicts it makes. -#}
{% macro strata_this_run() -%}
    cast('{{ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro strata_is_empty_run() %}
    {{ return(invocation_args_dict.get('empty', false) == true) }}
{% endmacro %}
