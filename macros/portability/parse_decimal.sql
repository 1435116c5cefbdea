{#-
    Parses a plain decimal number written with a '.' (text or a native number) into the money type
    dbt.type_numeric(). Anything else (decimal commas, currency symbols, thousands separators, NaN,
    infinity) gives null, so the row is quarantined instead of being turned into another number.
-#}
{% macro strata_parse_decimal(expression) -%}
    {{ dbt.safe_cast('trim(cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ '))', dbt.type_numeric()) }}
{%- endmacro %}
