{#-
    The one validation pattern every raw table goes through (transactions, customers, events).

    staged_relation  a staging model (ref) with parsed columns and, for each parsed column that
                     can fail, the raw text beside it.
    key_column       the table's identifier; rows sharing it with different content are all
                     rejected as 'conflicting_duplicate'.
    parsed_columns   the columns that make a row what it is: exact duplicates are rows equal on
                     all of them (parsed values, so '10' and '10.00' are one amount).
    text_columns     {text_column: parsed_column}: raw text kept for the quarantine; where the
                     parsed value is null the text also decides what counts as a duplicate.
    checks           [(reject_reason, condition)], in order; the first true condition wins.

    Returns one row per distinct raw row: the parsed and text columns, reject_reason (null when
    valid), raw_rows (identical raw rows collapsed into it) and duplicate_rows (raw_rows - 1).
-#}
{% macro strata_validate_raw_rows(staged_relation, key_column, parsed_columns, text_columns, checks) %}
    {%- set group_columns = parsed_columns | list -%}
    {%- set bad_text_columns = [] -%}
    {%- for text_column, parsed_column in text_columns.items() -%}
        {%- do bad_text_columns.append(
            'case when ' ~ parsed_column ~ ' is null then ' ~ text_column ~ ' end'
        ) -%}
    {%- endfor %}

    with

    staged as (

        select * from {{ staged_relation }}

    ),

    collapsed as (

        select
            {%- for column in group_columns %}
                {{ column }},
            {%- endfor %}
            {%- for text_column in text_columns %}
                min({{ text_column }}) as {{ text_column }},
            {%- endfor %}
            count(*) as raw_rows

        from staged
        group by
            {%- for expression in group_columns + bad_text_columns %}
                {{ expression }}{{ ',' if not loop.last }}
            {%- endfor %}

    ),

    versioned as (

        select
            *,
            count(*) over (partition by {{ key_column }}) as versions_of_key

        from collapsed

    ),

    validated as (

        select
            {%- for column in group_columns %}
                {{ column }},
            {%- endfor %}
            {%- for text_column in text_columns %}
                {{ text_column }},
            {%- endfor %}
            case
                {%- for reason, condition in checks %}
                    when {{ condition }} then '{{ reason }}'
                {%- endfor %}
                when versions_of_key > 1 then 'conflicting_duplicate'
            end as reject_reason,
            raw_rows,
            raw_rows - 1 as duplicate_rows

        from versioned

    )

    select * from validated
{% endmacro %}
