{#-
    Parses an amount into the money type dbt.type_numeric() (decimal(28,6)).

    Text must be a plain decimal number: an optional sign, digits, and at most 6 decimals after a
    '.' (e.g. '12', '-3.5', '.25'). Anything else (decimal commas, currency symbols, thousands
    separators, exponents, NaN, infinity, more than 6 decimals, more than 22 integer digits) gives
    null, so the row is quarantined instead of being turned into another number. A native numeric
    value (Parquet DECIMAL, INTEGER, DOUBLE) is cast directly; a DOUBLE is rounded to 6 decimals
    and NaN or infinity gives null.
-#}
{% macro strata_parse_decimal(expression) %}
    {{ return(adapter.dispatch('strata_parse_decimal', 'strata')(expression)) }}
{% endmacro %}

{% macro default__strata_parse_decimal(expression) -%}
    {{ dbt.safe_cast('trim(cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ '))', dbt.type_numeric()) }}
{%- endmacro %}

{% macro duckdb__strata_parse_decimal(expression) -%}
    case
        when typeof({{ expression }}) <> 'VARCHAR'
            then try_cast({{ expression }} as {{ dbt.type_numeric() }})
        when regexp_full_match(
            trim(cast({{ expression }} as varchar)), '[+-]?([0-9]+([.][0-9]{0,6})?|[.][0-9]{1,6})'
        )
            then try_cast(trim(cast({{ expression }} as varchar)) as {{ dbt.type_numeric() }})
    end
{%- endmacro %}

{#- PostgreSQL: text by the same rule; a native number (Parquet) rounded to 6 decimals. -#}
{% macro postgres__strata_parse_decimal(expression) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as text))' -%}
    cast(case
        when pg_typeof({{ expression }}) not in ('text'::regtype, 'character varying'::regtype)
            then {{ strata_postgres_function('strata_try_decimal') }}({{ text }})
        when {{ text }} ~ '^[+-]?([0-9]+([.][0-9]{0,6})?|[.][0-9]{1,6})$'
            then {{ strata_postgres_function('strata_try_decimal') }}({{ text }})
    end as {{ dbt.type_numeric() }})
{%- endmacro %}

{#- Spark (dbt-spark turns ANSI mode off: a cast that fails or overflows gives null): text by the
    same rule; a native number rounded to 6 decimals. -#}
{% macro spark__strata_parse_decimal(expression) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as string))' -%}
    case
        when typeof({{ expression }}) <> 'string'
            then cast({{ expression }} as {{ dbt.type_numeric() }})
        when {{ text }} rlike '^[+-]?([0-9]+([.][0-9]{0,6})?|[.][0-9]{1,6})$'
            then cast({{ text }} as {{ dbt.type_numeric() }})
    end
{%- endmacro %}
