{#-
    True when a timestamp lies implausibly far in the future: after the start of the day that
    follows the run date plus var('max_future_days'). The run date is today (UTC) unless
    var('run_date') pins it.
-#}
{% macro strata_future_cutoff(timestamp_column) -%}
    {%- set run_date -%}
        {%- if var('run_date') is not none -%}
            cast('{{ var("run_date") }}' as date)
        {%- else -%}
            {{ strata_utc_today() }}
        {%- endif -%}
    {%- endset -%}
    {{ timestamp_column }} >= {{ dbt.dateadd('day', var('max_future_days') + 1, run_date) }}
{%- endmacro %}

{#- Today's date in UTC, whatever the session's time zone. -#}
{% macro strata_utc_today() %}
    {{- return(adapter.dispatch('strata_utc_today', 'strata')()) -}}
{% endmacro %}

{% macro default__strata_utc_today() -%}
    cast({{ dbt.current_timestamp() }} as date)
{%- endmacro %}

{% macro postgres__strata_utc_today() -%}
    cast(timezone('UTC', now()) as date)
{%- endmacro %}
