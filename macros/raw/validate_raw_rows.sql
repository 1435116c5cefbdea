{#-
    The one validation pattern every raw table goes through (transactions, customers, events).

    staged_relation  a staging model (ref) with parsed columns and, for each parsed column that
                     can fail, the raw text beside it.
    key_column       the table's identifier; versions_of_key, which the checks can read, counts
                     the different versions (distinct rows) sharing it.
    parsed_columns   the columns that make a row what it is (the key among them): exact
                     duplicates are rows equal on all of them (parsed values, so '10' and '10.00'
                     are one amount).
    text_columns     {text_column: parsed_column}: raw text kept for the quarantine; where the
                     parsed value is null the text also decides what counts as a duplicate.
    checks           [(reject_reason, condition)], in order; the first true condition wins
                     (strata_reject_rules in macros/raw/reject_rules.sql).
    timestamp_column the parsed timestamp that dates a row. When given, the calling model is
                     incremental: a run judges only the revalidated rows
                     (macros/incremental/revalidate_from.sql) and its post-hook,
                     strata_delete_replaced_verdicts, deletes the stored verdicts they replace.
                     When not given and the calling model is incremental (the customer
                     profiles), an incremental run keeps every stored verdict and adds none: the
                     model is rebuilt in full, every row judged, exactly when its build inputs
                     changed, which include a fingerprint of the raw file
                     (macros/state/warehouse_state.sql); its record then says it rewrote nothing.

    Returns one row per distinct raw row: the parsed columns, the text columns for rejected rows
    (for rows collapsed from several raw rows, the smallest raw text; null for valid rows, which
    need no raw text), reject_reason (null when valid), raw_rows (identical raw rows collapsed
    into it), duplicate_rows (raw_rows - 1) and judged_at (this run's run_started_at).

    How: almost every key occurs once, and such a row is its own distinct row with one version.
    So the rows are counted per key first (one narrow aggregate); only the rows of repeated or
    missing keys are collapsed and their versions counted, which is the expensive part and runs
    on the few rows that need it.
-#}
{% macro strata_validate_raw_rows(staged_relation, key_column, parsed_columns, text_columns, checks, timestamp_column=none) %}
    {%- set identity = parsed_columns | list -%}
    {%- for text_column, parsed_column in text_columns.items() -%}
        {%- do identity.append('case when ' ~ parsed_column ~ ' is null then ' ~ text_column ~ ' end') -%}
    {%- endfor %}
    {%- if timestamp_column is none and is_incremental() -%}
        {%- do graph.setdefault('strata_recompute_from', {}).update(
            {invocation_id ~ ':' ~ this: modules.datetime.date(9999, 12, 31)}
        ) -%}
        select * from {{ this }} where false
    {%- else %}

    with

    staged as (

        {%- if timestamp_column is not none and is_incremental() %}
            select * from (
                {{ strata_rejudged_raw_rows(staged_relation, key_column, timestamp_column) }}
            ) as rejudged_raw_rows
        {%- else %}
            select * from {{ staged_relation }} as staged_rows
        {%- endif %}

    ),

    repeated_keys as (

        select {{ key_column }}
        from staged
        where {{ key_column }} is not null
        group by {{ key_column }}
        having count(*) > 1

    ),

    single_rows as (

        select
            {%- for column in parsed_columns %}
                {{ column }},
            {%- endfor %}
            {%- for text_column in text_columns %}
                {{ text_column }},
            {%- endfor %}
            1 as raw_rows,
            1 as versions_of_key

        from staged
        where
            {{ key_column }} is not null
            and {{ key_column }} not in (select repeated_keys.{{ key_column }} from repeated_keys)

    ),

    other_rows_collapsed as (

        select
            {%- for column in parsed_columns %}
                {{ column }},
            {%- endfor %}
            {%- for text_column in text_columns %}
                min({{ text_column }}) as {{ text_column }},
            {%- endfor %}
            count(*) as raw_rows

        from staged
        where
            {{ key_column }} is null
            or {{ key_column }} in (select repeated_keys.{{ key_column }} from repeated_keys)
        group by
            {%- for expression in identity %}
                {{ expression }}{{ ',' if not loop.last }}
            {%- endfor %}

    ),

    other_versions as (

        select
            *,
            count(*) over (partition by {{ key_column }}) as versions_of_key

        from other_rows_collapsed

    ),

    collapsed as (

        select * from single_rows
        union all
        select * from other_versions

    ),

    judged as (

        select
            *,
            case
                {%- for reason, condition in checks %}
                    when {{ condition }} then '{{ reason }}'
                {%- endfor %}
            end as reject_reason

        from collapsed

    ),

    validated as (

        select
            {%- for column in parsed_columns %}
                {{ column }},
            {%- endfor %}
            {%- for text_column in text_columns %}
                case when reject_reason is not null then {{ text_column }} end as {{ text_column }},
            {%- endfor %}
            reject_reason,
            cast(raw_rows as bigint) as raw_rows,
            cast(raw_rows - 1 as bigint) as duplicate_rows,
            {{ strata_this_run() }} as judged_at

        from judged

    )

    select * from validated
    {%- endif %}
{% endmacro %}
