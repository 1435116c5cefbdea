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

with

mart_columns as (

    select
        table_name,
        column_name

    from information_schema.columns
    where table_schema = 'marts'

)

select * from mart_columns
where lower(column_name) in (
    {%- for column_name in pii_columns %}
        '{{ column_name }}'{{ ',' if not loop.last }}
    {%- endfor %}
)
