{#-
    on-run-start hook: the functions the PostgreSQL versions of the portability macros call.
    PostgreSQL 15 has no try_cast: a cast of bad text raises an error and would stop the build
    instead of quarantining the row, so these catch the error and return null. Other engines
    need none.
-#}
{% macro strata_create_engine_functions() %}
    {{ return(adapter.dispatch('strata_create_engine_functions', 'strata')()) }}
{% endmacro %}

{% macro default__strata_create_engine_functions() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__strata_create_engine_functions() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    create schema if not exists {{ adapter.quote(target.schema) }};
    {#- Text as a UTC timestamp: one with an offset shifted to UTC, one without taken as UTC
        (whatever the session's time zone); null when PostgreSQL cannot read it. -#}
    create or replace function {{ strata_postgres_function('strata_try_utc_timestamp') }}(value text)
    returns timestamp language plpgsql immutable as $strata$
    begin
        if value ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' then
            return value::timestamptz at time zone 'UTC';
        end if;
        return value::timestamp;
    exception when others then
        return null;
    end
    $strata$;
    {#- Text as numeric(28,6) (rounded to 6 decimals); null for NaN, infinity, too many digits
        or text PostgreSQL cannot read as a number. -#}
    create or replace function {{ strata_postgres_function('strata_try_decimal') }}(value text)
    returns numeric language plpgsql immutable as $strata$
    declare
        parsed numeric(28, 6);
    begin
        parsed := value::numeric(28, 6);
        if parsed = 'NaN'::numeric then
            return null;
        end if;
        return parsed;
    exception when others then
        return null;
    end
    $strata$;
{% endmacro %}

{% macro strata_postgres_function(name) -%}
    {{ adapter.quote(target.schema) }}.{{ name }}
{%- endmacro %}
