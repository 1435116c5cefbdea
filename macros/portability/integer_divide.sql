{#- Integer division of two non-negative integer expressions, rounding down. -#}
{% macro strata_integer_divide(numerator, denominator) %}
    {{ return(adapter.dispatch('strata_integer_divide', 'strata')(numerator, denominator)) }}
{% endmacro %}

{% macro default__strata_integer_divide(numerator, denominator) -%}
    cast(floor(({{ numerator }}) / ({{ denominator }})) as bigint)
{%- endmacro %}

{% macro duckdb__strata_integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{% macro postgres__strata_integer_divide(numerator, denominator) -%}
    div({{ numerator }}, {{ denominator }})
{%- endmacro %}
