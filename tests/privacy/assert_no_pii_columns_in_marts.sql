-- No column tagged pii (tags: [pii] or meta: {pii: true}) on a source or model reaches the
-- marts schema. Returns each mart column whose name is a PII column's name.
{%- set pii_columns = [] %}
{%- if execute %}
    {%- for node in graph.sources.values() | list + graph.nodes.values() | list %}
        {%- for column in node.columns.values() %}
            {%- if 'pii' in column.tags or column.meta.get('pii') %}
                {%- do pii_columns.append(column.name | lower) %}
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}
{%- set pii_columns = pii_columns | unique | list or ['email', 'phone', 'full_name'] %}
{#- Every table and view in the marts schema, those of models no longer in the project too. -#}
{%- set found = [] %}
{%- if execute %}
    {%- set mart = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('schema', 'equalto', 'marts') | first %}
    {%- for identifier in strata_relations_in_schema(mart.database, mart.schema) %}
        {%- set relation = api.Relation.create(database=mart.database, schema=mart.schema, identifier=identifier) %}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name | lower in pii_columns %}
            {%- do found.append((identifier, column.name)) %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}

{%- for table_name, column_name in found %}
    select
        '{{ table_name }}' as table_name,
        '{{ column_name }}' as column_name
    union all
{%- endfor %}
select
    cast(null as {{ dbt.type_string() }}) as table_name,
    cast(null as {{ dbt.type_string() }}) as column_name
where false
