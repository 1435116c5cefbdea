{#-
    A select returning one row per month (column month_start, a date) from the month of
    start_date up to the month of end_date, both included. Both arguments are SQL expressions over
    the relation named in from_relation, which must hold exactly one row.
-#}
{% macro strata_month_starts(start_date, end_date, from_relation) %}
    {{ return(adapter.dispatch('strata_month_starts', 'strata')(start_date, end_date, from_relation)) }}
{% endmacro %}

{% macro default__strata_month_starts(start_date, end_date, from_relation) -%}
    select
        cast(month_start as date) as month_start
    from {{ from_relation }},
        generate_series(
            {{ dbt.date_trunc('month', start_date) }},
            {{ dbt.date_trunc('month', end_date) }},
            interval '1 month'
        ) as months (month_start)
{%- endmacro %}

{% macro duckdb__strata_month_starts(start_date, end_date, from_relation) -%}
    select
        cast(unnest(generate_series(
            cast({{ dbt.date_trunc('month', start_date) }} as timestamp),
            cast({{ dbt.date_trunc('month', end_date) }} as timestamp),
            interval 1 month
        )) as date) as month_start
    from {{ from_relation }}
{%- endmacro %}

{% macro spark__strata_month_starts(start_date, end_date, from_relation) -%}
    select
        explode(sequence(
            cast({{ dbt.date_trunc('month', start_date) }} as date),
            cast({{ dbt.date_trunc('month', end_date) }} as date),
            interval 1 month
        )) as month_start
    from {{ from_relation }}
{%- endmacro %}
