{#-
    The vars of the customer value model (BG/NBD and Gamma-Gamma; definitions in
    models/marts/value/_value__docs.md), each checked once here: a value that cannot work stops
    compilation with a message that names the var. Defaults in dbt_project.yml.
-#}

{#- clv_time_unit, checked: day, week or month. -#}
{% macro strata_clv_time_unit() %}
    {%- set unit = var('clv_time_unit') -%}
    {%- if unit not in ['day', 'week', 'month'] -%}
        {{ exceptions.raise_compiler_error(
            "Strata: var clv_time_unit must be one of day, week, month, got '" ~ unit ~ "'."
        ) }}
    {%- endif -%}
    {{ return(unit) }}
{% endmacro %}

{#- A number of days in periods of clv_time_unit, as a double: day = days, week = days / 7,
    month = days x 12 / 365.25. -#}
{% macro strata_clv_periods(days) -%}
    {%- set unit = strata_clv_time_unit() -%}
    {%- set as_double = 'cast(' ~ days ~ ' as ' ~ strata_type_double() ~ ')' -%}
    {%- if unit == 'day' -%}
        {{ as_double }}
    {%- elif unit == 'week' -%}
        ({{ as_double }} / 7)
    {%- else -%}
        ({{ as_double }} * 12 / 365.25)
    {%- endif -%}
{%- endmacro %}

{#- A var that must be a number within [min_value, max_value] (a bound left out is open). -#}
{% macro strata_number_var(name, min_value=none, max_value=none, integer=false) %}
    {%- set value = var(name) -%}
    {%- set wrong = value is not number or value is boolean
        or (integer and value != value | int)
        or (min_value is not none and value < min_value)
        or (max_value is not none and value > max_value) -%}
    {%- if wrong -%}
        {{ exceptions.raise_compiler_error(
            "Strata: var " ~ name ~ " must be " ~ ("an integer" if integer else "a number")
            ~ (" from " ~ min_value if min_value is not none else "")
            ~ (" to " ~ max_value if max_value is not none else "")
            ~ ", got '" ~ value ~ "'."
        ) }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}

{#- The churn-risk thresholds on p_alive: 0 <= high <= medium <= 1. -#}
{% macro strata_churn_risk_thresholds() %}
    {%- set high = strata_number_var('churn_risk_high_p_alive', 0, 1) -%}
    {%- set medium = strata_number_var('churn_risk_medium_p_alive', 0, 1) -%}
    {%- if high > medium -%}
        {{ exceptions.raise_compiler_error(
            "Strata: var churn_risk_high_p_alive (" ~ high ~ ") must not be above churn_risk_medium_p_alive ("
            ~ medium ~ ")."
        ) }}
    {%- endif -%}
    {{ return({'high': high, 'medium': medium}) }}
{% endmacro %}
