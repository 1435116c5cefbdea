{#-
    Parses an ISO-8601 date or timestamp (text or a native date / timestamp) into a UTC timestamp
    without time zone. Text is trimmed and must have the form YYYY-MM-DD, optionally followed by
    'T' or a space and hh:mm[:ss[.fraction]], optionally followed by 'Z' or a UTC offset
    (+hh, +hhmm, +hh:mm). A value with an offset is shifted to UTC, one without is taken as UTC.
    Anything else (other date orders, 'epoch', 'infinity', zone names) gives null and the caller
    quarantines the row. The session time zone must be UTC (profiles/profiles.yml sets it).
-#}
{% macro strata_parse_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('strata_parse_utc_timestamp', 'strata')(expression)) }}
{% endmacro %}

{% macro default__strata_parse_utc_timestamp(expression) -%}
    cast({{ dbt.safe_cast('trim(cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ '))', 'timestamp with time zone') }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__strata_parse_utc_timestamp(expression) -%}
    case
        when typeof({{ expression }}) in ('DATE', 'TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'TIMESTAMP WITH TIME ZONE')
            then try_cast({{ expression }} as timestamp)
        when regexp_full_match(
            trim(cast({{ expression }} as varchar)),
            '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?'
        )
            then cast(try_cast(trim(cast({{ expression }} as varchar)) as timestamptz) as timestamp)
    end
{%- endmacro %}

{#- PostgreSQL: the same rule, whatever the session's time zone (strata_try_utc_timestamp,
    macros/portability/postgres_functions.sql); a native date or timestamp as it is. -#}
{% macro postgres__strata_parse_utc_timestamp(expression) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as text))' -%}
    case
        when pg_typeof({{ expression }}) in ('date'::regtype, 'timestamp'::regtype)
            then cast({{ expression }} as timestamp)
        when pg_typeof({{ expression }}) = 'timestamptz'::regtype
            then {{ strata_postgres_function('strata_try_utc_timestamp') }}({{ text }})
        when {{ text }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
            then {{ strata_postgres_function('strata_try_utc_timestamp') }}({{ text }})
    end
{%- endmacro %}

{#- Spark: the same rule (its cast reads the forms the pattern lets through, offsets included, in
    the session's time zone, UTC; an impossible date gives null); a native date or timestamp as
    it is. -#}
{% macro spark__strata_parse_utc_timestamp(expression) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as string))' -%}
    case
        when typeof({{ expression }}) in ('date', 'timestamp', 'timestamp_ntz')
            then cast({{ expression }} as timestamp)
        when {{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
            then cast({{ text }} as timestamp)
    end
{%- endmacro %}
