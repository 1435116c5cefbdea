{#- Text as read from a raw file: trimmed, blank becomes null; case and unicode are kept. -#}
{% macro strata_clean_text(expression) -%}
    nullif(trim(cast({{ expression }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
