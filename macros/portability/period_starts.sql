{#-
    A select returning one row per period (column period_start, a date) from the period of
    start_date up to the period of end_date, both included; datepart is 'day', 'week' (ISO weeks,
    Monday start) or 'month'. Both dates are SQL expressions over the relation named in
    from_relation, which must hold exactly one row.
-#}
{% macro strata_period_starts(datepart, start_date, end_date, from_relation) %}
    {%- if datepart not in ['day', 'week', 'month'] -%}
        {{ exceptions.raise_compiler_error("strata_period_starts: datepart must be day, week or month, not " ~ datepart) }}
    {%- endif -%}
    {{ return(adapter.dispatch('strata_period_starts', 'strata')(datepart, start_date, end_date, from_relation)) }}
{% endmacro %}

{#- The start of the period holding a date: the ISO week of strata_week_start for 'week'. -#}
{% macro strata_period_start(datepart, date_expression) -%}
    {%- if datepart == 'week' -%}
        {{ strata_week_start(date_expression) }}
    {%- else -%}
        {{ dbt.date_trunc(datepart, date_expression) }}
    {%- endif -%}
{%- endmacro %}

{#- One row per month (column month_start). -#}
{% macro strata_month_starts(start_date, end_date, from_relation) -%}
    select period_start as month_start
    from ({{ strata_period_starts('month', start_date, end_date, from_relation) }}) as month_starts
{%- endmacro %}

{% macro default__strata_period_starts(datepart, start_date, end_date, from_relation) -%}
    select
        cast(period_start as date) as period_start
    from {{ from_relation }},
        generate_series(
            {{ strata_period_start(datepart, start_date) }},
            {{ strata_period_start(datepart, end_date) }},
            interval '1 {{ datepart }}'
        ) as periods (period_start)
{%- endmacro %}

{% macro duckdb__strata_period_starts(datepart, start_date, end_date, from_relation) -%}
    select
        cast(unnest(generate_series(
            cast({{ strata_period_start(datepart, start_date) }} as timestamp),
            cast({{ strata_period_start(datepart, end_date) }} as timestamp),
            interval 1 {{ datepart }}
        )) as date) as period_start
    from {{ from_relation }}
{%- endmacro %}

{% macro spark__strata_period_starts(datepart, start_date, end_date, from_relation) -%}
    select
        explode(sequence(
            cast({{ strata_period_start(datepart, start_date) }} as date),
            cast({{ strata_period_start(datepart, end_date) }} as date),
            interval 1 {{ datepart }}
        )) as period_start
    from {{ from_relation }}
{%- endmacro %}
