{#-
    Incremental validation of a raw table (README "Incremental refresh").

    A raw file holds the whole history and a refresh adds a few days to it. Judging every raw row
    again on each run would cost as much as a full build, so the validated tables
    (int_*_validated) judge again only the rows that can have changed, the rejudged rows of
    strata_rejudged_rows_where(), and keep every other verdict as stored. Each verdict carries
    judged_at, the run_started_at of the dbt invocation that made it.

    Raw rows changed, added or removed before the revalidation date (and sharing no key with a
    rejudged row) are not seen; raw_rows_accounted_for then fails on the counts, and the fix is
    --full-refresh (README).
-#}

{#-
    strata_revalidate_from_date(timestamp_column, stored_where): the first date an incremental run
    judges again, as a SQL date literal: the earlier of (a) the latest date of timestamp_column
    among the stored rows matching stored_where, minus var('lookback_days'), and (b) the run date
    plus var('max_future_days'), the day before the future cutoff (strata_future_cutoff), so rows
    that a pinned earlier run_date now puts in the future are judged again. In a full build (no
    table yet, --full-refresh, or no stored row) it is 1900-01-01: every row is judged.
-#}
{% macro strata_revalidate_from_date(timestamp_column, stored_where='true') %}
    {{ return(strata_date_literal(strata_revalidate_from(timestamp_column, stored_where))) }}
{% endmacro %}

{% macro strata_revalidate_from(timestamp_column, stored_where='true') %}
    {%- if execute and is_incremental() -%}
        {%- set latest_stored = run_query(
            'select max(cast(' ~ timestamp_column ~ ' as date)) as value from ' ~ this
            ~ ' where ' ~ stored_where
        ).columns['value'].values()[0] -%}
        {%- if latest_stored is not none -%}
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
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}

{#-
    strata_rejudged_rows_where(staged_relation, key_column, timestamp_column, from_date): the rows
    of a staged raw table an incremental run judges again: rows dated on or after from_date, rows
    without a parsed timestamp, and the stored rows dated before from_date that share a key with
    one of these. A verdict depends only on the row and on the other rows with its key
    (duplicates, conflicts), so such a key-complete set gets exactly the verdicts a full build
    gives it. (A raw row dated before from_date that is not stored yet is late data beyond the
    window; raw_rows_accounted_for fails on it.)

    The keys reaching back before from_date are looked up first (a join of the window's keys with
    the stored ones) and written into the SQL as a list; there are usually none, so the query
    filters the raw file on the timestamp alone, which DuckDB pushes into the Parquet scan. Above
    max_listed_keys keys the list becomes a subquery.

    strata_delete_rejudged_rows(...): the pre-hook of a validated model; it deletes the stored
    verdicts of those rows before the model appends the new ones.
-#}
{% macro strata_rejudged_rows_where(staged_relation, key_column, timestamp_column, from_date, max_listed_keys=10000) %}
    {%- set in_window -%}
        ({{ timestamp_column }} >= {{ from_date }} or {{ timestamp_column }} is null)
    {%- endset -%}
    {%- set keys_before_window -%}
        select distinct stored.{{ key_column }}
        from {{ this }} as stored
        where
            stored.{{ timestamp_column }} < {{ from_date }}
            and stored.{{ key_column }} in (
                select window_rows.{{ key_column }}
                from {{ staged_relation }} as window_rows
                where
                    window_rows.{{ key_column }} is not null
                    and (
                        window_rows.{{ timestamp_column }} >= {{ from_date }}
                        or window_rows.{{ timestamp_column }} is null
                    )
            )
    {%- endset -%}
    {%- set keys = run_query(keys_before_window ~ ' limit ' ~ (max_listed_keys + 1)).columns[0].values() if execute else [] -%}
    {{ in_window }}
    {%- if keys | length > max_listed_keys %}
        or {{ key_column }} in ({{ keys_before_window }})
    {%- elif keys | length > 0 %}
        or {{ key_column }} in (
            {%- for key in keys -%}
                '{{ key | replace("'", "''") }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif %}
{%- endmacro %}

{% macro strata_delete_rejudged_rows(staged_relation, key_column, timestamp_column) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ strata_rejudged_rows_where(
            staged_relation, key_column, timestamp_column,
            strata_revalidate_from_date(timestamp_column, 'reject_reason is null'),
        ) }}
    {%- endif -%}
{% endmacro %}

{#-
    strata_earliest_rejudged(validated_relation, timestamp_column): the earliest date among the
    rows this dbt invocation judged in a validated table (a date), or none. The incremental models
    built from a validated table recompute from it at the latest, so a raw row that changes the
    verdict of an older row (a new version of an April transaction makes the stored April row a
    conflicting duplicate) also reaches that older row's date, periods and snapshots.
-#}
{% macro strata_earliest_rejudged(validated_relation, timestamp_column) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(run_query(
        'select min(cast(' ~ timestamp_column ~ ' as date)) as value from ' ~ validated_relation
        ~ " where judged_at = cast('" ~ strata_run_started_at() ~ "' as timestamp)"
    ).columns['value'].values()[0]) }}
{% endmacro %}

{#-
    strata_refresh_from_date(date_column, validated_relation, timestamp_column): the first date an
    incremental mart built straight from a validated table (fct_events) recomputes, as a SQL date
    literal: the earlier of strata_revalidate_from_date(date_column) on its own table and the
    earliest date rejudged in this run. strata_delete_rows_dated_from is its pre-hook.
-#}
{% macro strata_refresh_from_date(date_column, validated_relation, timestamp_column) %}
    {%- set stored_from = strata_revalidate_from(date_column) -%}
    {%- if stored_from is not none -%}
        {%- set earliest = strata_earliest_rejudged(validated_relation, timestamp_column) -%}
        {%- if earliest is not none and earliest < stored_from -%}
            {{ return(strata_date_literal(earliest)) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(strata_date_literal(stored_from)) }}
{% endmacro %}

{% macro strata_delete_rows_dated_from(date_column, from_date) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ date_column }} >= {{ from_date }}
    {%- endif -%}
{% endmacro %}

{#- A date (or none: the start of everything, 1900-01-01) as a SQL date literal. -#}
{% macro strata_date_literal(value) %}
    {%- set day = value.isoformat() if value is not none else '1900-01-01' -%}
    {{ return("cast('" ~ day ~ "' as date)") }}
{% endmacro %}

{#- This dbt invocation's start (UTC) as text: the judged_at of the verdicts it makes. -#}
{% macro strata_run_started_at() -%}
    {{ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') }}
{%- endmacro %}
