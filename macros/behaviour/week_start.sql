{#-
    The ISO week (weeks start on Monday; UTC dates) of every weekly figure of the behaviour
    marts (docs block usage_week_start): its Monday, and its Sunday. strata_period_starts('week')
    lists weeks with strata_week_start too.
-#}
{% macro strata_week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{% macro strata_week_end(week_start_expression) -%}
    cast({{ dbt.dateadd('day', 6, week_start_expression) }} as date)
{%- endmacro %}
