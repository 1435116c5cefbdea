{#-
    Parses an ISO-8601 date or timestamp (text or a native timestamp) into a UTC timestamp without
    time zone; a value with a UTC offset is shifted to UTC, a value without one is taken as UTC.
    Unparseable values give null (the caller quarantines them). The session time zone must be UTC
    (profiles/profiles.yml sets it).
-#}
{% macro strata_parse_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('strata_parse_utc_timestamp', 'strata')(expression)) }}
{% endmacro %}

{% macro default__strata_parse_utc_timestamp(expression) -%}
    cast({{ dbt.safe_cast(expression, 'timestamp with time zone') }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__strata_parse_utc_timestamp(expression) -%}
    cast(try_cast({{ expression }} as timestamptz) as timestamp)
{%- endmacro %}
