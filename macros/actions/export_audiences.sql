{#-
    dbt run-operation strata_export_audiences --args '{out_dir: <folder>}'

    Writes one audience file per play of fct_customer_actions and format into an existing
    folder: <out_dir>/<play>_<as_of_date>.csv and .parquet, the play's rows ordered by
    customer_id (the same files `strata refresh` publishes under audiences/ of each served
    version, where they are swapped in atomically; here they are written in place). DuckDB only.
-#}
{% macro strata_export_audiences(out_dir) %}
    {%- set actions = ref('fct_customer_actions') -%}
    {%- set as_of_date = run_query('select max(as_of_date) from ' ~ actions).columns[0].values()[0] -%}
    {%- set plays = run_query('select distinct play from ' ~ actions ~ ' order by 1').columns[0].values() -%}
    {%- for play in plays -%}
        {%- for extension, options in [('csv', '(format csv, header)'), ('parquet', '(format parquet)')] -%}
            {%- set path = (out_dir | string).rstrip('/') ~ '/' ~ play ~ '_' ~ as_of_date ~ '.' ~ extension -%}
            {%- do run_query(
                "copy (select * from " ~ actions ~ " where play = '" ~ play ~ "' order by customer_id) to '"
                ~ path.replace("'", "''") ~ "' " ~ options
            ) -%}
        {%- endfor -%}
        {{ log('strata: wrote ' ~ out_dir ~ '/' ~ play ~ '_' ~ as_of_date ~ '.csv and .parquet', info=true) }}
    {%- endfor -%}
{% endmacro %}
