{#- The names of the tables and views in a schema, as the engine lists them (Spark has no
    information_schema). -#}
{% macro strata_relations_in_schema(database, schema) %}
    {{ return(adapter.dispatch('strata_relations_in_schema', 'strata')(database, schema)) }}
{% endmacro %}

{% macro default__strata_relations_in_schema(database, schema) %}
    {%- set query -%}
        select table_name from information_schema.tables
        where table_schema = '{{ schema }}'
        {%- if database %} and table_catalog = '{{ database }}'{% endif %}
    {%- endset -%}
    {{ return(run_query(query).columns['table_name'].values() | list) }}
{% endmacro %}

{% macro spark__strata_relations_in_schema(database, schema) %}
    {{ return(run_query('show tables in ' ~ adapter.quote(schema)).columns['tableName'].values() | list) }}
{% endmacro %}
