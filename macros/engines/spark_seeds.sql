{#-
    Seeds on Spark. dbt-spark's session connection pastes bound values into the SQL text as
    '<value>': an empty cell becomes the text 'None' and a quote inside a value breaks the
    statement. The rule seeds have both (a playbook row matching any tier, a rationale with an
    apostrophe), so on Spark the rows are inserted as SQL literals instead, each cast to the
    column's type as dbt-spark does.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do column_types.append(column_override.get(column_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
                (
                    {%- for value in row -%}
                        cast({{ strata_spark_literal(value) }} as {{ column_types[loop.index0] }}){{ ', ' if not loop.last }}
                    {%- endfor -%}
                ){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- A Python value as a Spark SQL literal: null, true / false, a number as written, anything else
    as a string literal (Spark reads backslash escapes in them). -#}
{% macro strata_spark_literal(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is boolean -%}
        {{ return('true' if value else 'false') }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- endif -%}
    {{ return("'" ~ (value | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'") }}
{% endmacro %}
