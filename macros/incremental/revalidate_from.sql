{#-
    Incremental validation of a raw table (docs/incremental.md).

    A raw file holds the whole history and a refresh adds a few days to it. Judging every raw row
    again on each run would cost as much as a full build, so the validated tables
    (int_*_validated) judge again only the rows that can have changed, the rejudged rows of
    strata_rejudged_raw_rows(), and keep every other verdict as stored. Each verdict carries
    judged_at, the run_started_at of the dbt invocation that made it.

    Raw rows added or removed before the revalidation date (and sharing no key with a rejudged
    row) are not read here: the run-start check strata_check_raw_unchanged
    (macros/state/warehouse_state.sql) counts them and rebuilds everything in full when they
    changed; an edited one that keeps the count goes unnoticed. After correcting old data, run
    --full-refresh (docs/incremental.md).
-#}

{#-
    strata_revalidate_from_date(timestamp_column): the first date an incremental run of a
    validated model judges again, as a SQL date literal: the earlier of (a) the latest valid date
    among the stored verdicts, minus var('lookback_days'), and (b) the run date plus
    var('max_future_days'), the day before the future cutoff (strata_future_cutoff), so rows that
    a pinned earlier run_date now puts in the future are judged again. In a full build (no table
    yet, --full-refresh, changed build inputs, or no stored valid row) it is 1900-01-01: every
    row is judged. Computed once per run and model: the body and the post-hook use one value.
-#}
{% macro strata_revalidate_from_date(timestamp_column) %}
    {{ return(strata_date_literal(strata_revalidate_from(timestamp_column))) }}
{% endmacro %}

{% macro strata_revalidate_from(timestamp_column) %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set cache = graph.setdefault('strata_revalidate_from', {}) -%}
    {%- set key = invocation_id ~ ':' ~ this -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: strata_revalidation_date(this, timestamp_column, strata_stored_valid_verdicts())}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{#- The revalidation date of a stored validated table (a date), or none when it has no row
    matching stored_where. Also used at the start of a run (strata_check_raw_unchanged). -#}
{% macro strata_revalidation_date(relation, timestamp_column, stored_where) %}
    {%- set latest_stored = run_query(
        'select max(cast(' ~ timestamp_column ~ ' as date)) as value from ' ~ relation
        ~ ' where ' ~ stored_where
    ).columns['value'].values()[0] -%}
    {%- if latest_stored is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set timedelta = modules.datetime.timedelta -%}
    {%- if var('run_date') is not none -%}
        {%- set run_date = modules.datetime.date.fromisoformat(var('run_date') | string) -%}
    {%- else -%}
        {%- set run_date = run_started_at.date() -%}
    {%- endif -%}
    {{ return([
        latest_stored - timedelta(days=var('lookback_days') | int),
        run_date + timedelta(days=var('max_future_days') | int),
    ] | min) }}
{% endmacro %}

{#-
    strata_rejudged_raw_rows(staged_relation, key_column, timestamp_column): a select of the raw
    rows an incremental run judges again: the window rows (dated on or after the revalidation
    date, or without a parsed timestamp) and the rows dated before it whose key reaches back: a
    key stored before the date that also occurs among the raw window rows or the stored window
    verdicts (so a June row reusing an April key makes both conflicting, and fixing or removing
    the June row makes the April row valid again). A verdict depends only on the row and on the
    other rows with its key (duplicates, conflicts), so this key-complete set gets exactly the
    verdicts a full build gives it. (A raw row dated before the date and not stored yet is late
    data beyond the window; the run-start check strata_check_raw_unchanged finds it and the
    run rebuilds in full.) DuckDB pushes the date filter
    into a Parquet scan, and it skips the second scan of the raw file when no key reaches back,
    which is the usual case, so a refresh reads the raw file about once.

    strata_delete_replaced_verdicts(key_column, timestamp_column): the post-hook of a validated
    model. After the run appended its verdicts (judged_at = this run), it deletes the stored
    verdicts they replace (strata_replaced_verdicts): the older window verdicts and the older
    verdicts of every key that reaches back.

    strata_verdicts_changed_from(timestamp_column): the earliest date whose verdicts
    this run changed, as a date; none in a full build (everything). In the revalidation window
    (and for undated rows) it compares the new verdicts with the stored ones they replace, all
    columns but judged_at: the earliest date of a row only in one of the two (a raw row added,
    removed, or judged differently) counts. A row dated before the window that this run judged
    again (its key reaches back) counts as changed, whatever its verdict: rare, and the stored
    verdicts it replaces have its dates. 9999-12-31 when nothing changed (rows without a
    parseable timestamp are always rejected, so they date nothing downstream). It runs in the
    state record post-hook, which dbt runs before the model's own post-hooks, so both versions
    are still in the table; the filters are on the date column and judged_at only, so it costs
    about a scan of those two columns. The state record of the model
    (macros/state/warehouse_state.sql) keeps it as recomputed_from, and the models downstream
    recompute from it: a refresh whose window holds the same verdicts as before plus one new day
    recomputes from that day, not from the window start.
-#}
{% macro strata_rejudged_raw_rows(staged_relation, key_column, timestamp_column) %}
    {%- set from_date = strata_revalidate_from_date(timestamp_column) -%}
    with

    window_rows as (

        select * from {{ staged_relation }}
        where {{ timestamp_column }} >= {{ from_date }} or {{ timestamp_column }} is null

    ),

    keys_reaching_back as (

        select distinct stored.{{ key_column }}
        from {{ this }} as stored
        where
            stored.{{ timestamp_column }} < {{ from_date }}
            and stored.{{ key_column }} in ({{ strata_window_keys(timestamp_column, key_column, from_date) }})

    ),

    rows_reaching_back as (

        select * from {{ staged_relation }}
        where
            {{ timestamp_column }} < {{ from_date }}
            and {{ key_column }} in (select keys_reaching_back.{{ key_column }} from keys_reaching_back)

    )

    select * from window_rows
    union all
    select * from rows_reaching_back
{%- endmacro %}

{% macro strata_delete_replaced_verdicts(key_column, timestamp_column) %}
    {%- if strata_is_empty_run() or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    delete from {{ this }}
    where {{ strata_replaced_verdicts(key_column, timestamp_column) }}
{%- endmacro %}

{#- The condition on the validated table that holds for the stored verdicts this run's verdicts
    replace: made before this run, and dated in the window, or undated, or of a key judged in
    this run or stored in the window. -#}
{% macro strata_replaced_verdicts(key_column, timestamp_column) -%}
    {%- set from_date = strata_revalidate_from_date(timestamp_column) -%}
    {%- set this_run = strata_this_run() -%}
    judged_at <> {{ this_run }}
    and (
        {{ timestamp_column }} >= {{ from_date }}
        or {{ timestamp_column }} is null
        or {{ key_column }} in (
            select judged.{{ key_column }} from {{ this }} as judged
            where judged.judged_at = {{ this_run }} and judged.{{ key_column }} is not null
        )
        or {{ key_column }} in (
            select stored.{{ key_column }} from {{ this }} as stored
            where
                stored.judged_at <> {{ this_run }}
                and stored.{{ key_column }} is not null
                and (stored.{{ timestamp_column }} >= {{ from_date }} or stored.{{ timestamp_column }} is null)
        )
    )
{%- endmacro %}

{#-
    The keys of the window (used inside strata_rejudged_raw_rows, after its CTE window_rows): raw
    window rows and the stored verdicts of the window made before this run.
-#}
{% macro strata_window_keys(timestamp_column, key_column, from_date) -%}
    select window_rows.{{ key_column }} from window_rows
    where window_rows.{{ key_column }} is not null
    union all
    select stored_window.{{ key_column }} from {{ this }} as stored_window
    where
        stored_window.{{ key_column }} is not null
        and (
            stored_window.{{ timestamp_column }} >= {{ from_date }}
            or stored_window.{{ timestamp_column }} is null
        )
        and stored_window.judged_at <> {{ strata_this_run() }}
{%- endmacro %}

{#- The stored valid verdicts made before this run: the base of the revalidation date. -#}
{% macro strata_stored_valid_verdicts() -%}
    reject_reason is null and judged_at <> {{ strata_this_run() }}
{%- endmacro %}

{% macro strata_verdicts_changed_from(timestamp_column) %}
    {%- if strata_revalidate_from(timestamp_column) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set from_date = strata_revalidate_from_date(timestamp_column) -%}
    {%- set this_run = strata_this_run() -%}
    {%- set in_window = '(' ~ timestamp_column ~ ' >= ' ~ from_date ~ ' or ' ~ timestamp_column ~ ' is null)' -%}
    {%- set compared = [] -%}
    {%- for column in adapter.get_columns_in_relation(this) if column.name | lower != 'judged_at' -%}
        {%- do compared.append(adapter.quote(column.name)) -%}
    {%- endfor -%}
    {%- set changed_rows -%}
        with

        replaced_window as (

            select {{ compared | join(', ') }} from {{ this }}
            where judged_at <> {{ this_run }} and {{ in_window }}

        ),

        judged_window as (

            select {{ compared | join(', ') }} from {{ this }}
            where judged_at = {{ this_run }} and {{ in_window }}

        ),

        changed as (

            (select * from judged_window except all select * from replaced_window)
            union all
            (select * from replaced_window except all select * from judged_window)

        )

        select min(cast({{ timestamp_column }} as date)) as value from changed

        union all

        select min(cast({{ timestamp_column }} as date)) as value from {{ this }}
        where judged_at = {{ this_run }} and {{ timestamp_column }} < {{ from_date }}
    {%- endset -%}
    {%- set earliest_changed = run_query(changed_rows).columns['value'].values() | reject('none') | list -%}
    {{ return(earliest_changed | min if earliest_changed else modules.datetime.date(9999, 12, 31)) }}
{% endmacro %}
