{#-
    The column types of the contracts (models/**/_*.yml, data_type) are written once for all
    engines, with PostgreSQL's names text and float8, which DuckDB reads as VARCHAR and DOUBLE.
    Spark knows neither name: for its contract check (dbt's get_empty_schema_sql, which casts a
    null to each declared type) they become string and double. The seeds' column_types make the
    same choice in seeds/_seeds.yml.
-#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set spark_types = {'text': 'string', 'float8': 'double'} -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copied = column.copy() -%}
        {%- if column.get('data_type') is not none -%}
            {%- do copied.update({'data_type': spark_types.get(column['data_type'] | lower, column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copied}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{% endmacro %}
