{#-
    The Monday of the ISO week holding a date (weeks start on Monday; UTC dates): the week of
    every weekly figure of the behaviour marts (docs block usage_week_start).
-#}
{% macro strata_week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}
