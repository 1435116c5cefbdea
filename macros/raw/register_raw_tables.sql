{#-
    on-run-start hook: points the `raw` schema at the files under var('raw_path').

    For each table of strata_raw_tables() it creates the view raw.<table> over
    <raw_path>/<table>.parquet, or <raw_path>/<table>.csv when there is no Parquet file, selecting
    only the contract columns (extra columns are ignored). A missing required file or a missing
    column, an empty required file, or a file DuckDB cannot read (it reads the required tables in
    full here) stops the run here, before any model is built, with one message naming the file.
    A missing optional table becomes an empty view with the contract columns; a missing optional
    column (optional_columns) a column of nulls.
-#}
{% macro register_raw_tables() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set raw_path = (var('raw_path') | string).rstrip('/') -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- for table_name, spec in strata_raw_tables().items() -%}
        {%- set reader = strata_raw_reader(raw_path, table_name) -%}
        {%- if reader is none and spec.required -%}
            {{ exceptions.raise_compiler_error(
                "Strata: required raw table '" ~ table_name ~ "' not found: expected "
                ~ raw_path ~ "/" ~ table_name ~ ".parquet or " ~ raw_path ~ "/" ~ table_name
                ~ ".csv (set the dbt var raw_path to the folder holding your raw files)."
            ) }}
        {%- elif reader is none -%}
            {%- set select_sql -%}
                select
                {%- for column_name in spec.columns + spec.get('optional_columns', []) %}
                    cast(null as varchar) as {{ column_name }}{{ ',' if not loop.last }}
                {%- endfor %}
                where false
            {%- endset -%}
        {%- else -%}
            {%- if spec.required -%}
                {%- set rows = run_query('select count(*) as raw_rows from ' ~ reader.sql) -%}
                {%- if rows.columns['raw_rows'].values()[0] == 0 -%}
                    {{ exceptions.raise_compiler_error(
                        "Strata: required raw file " ~ reader.path ~ " has no rows. Refusing to "
                        ~ "build tiers from an empty export."
                    ) }}
                {%- endif -%}
            {%- endif -%}
            {%- set found = run_query('describe select * from ' ~ reader.sql) -%}
            {%- set found_columns = found.columns['column_name'].values() | map('lower') | list -%}
            {%- set missing = spec.columns | reject('in', found_columns) | list -%}
            {%- if missing -%}
                {{ exceptions.raise_compiler_error(
                    "Strata: raw file " ~ reader.path ~ " is missing required column(s) "
                    ~ missing | join(', ') ~ " (found: " ~ found_columns | join(', ')
                    ~ "). See the README's raw input contract."
                ) }}
            {%- endif -%}
            {%- set selected = spec.columns | list -%}
            {%- for column_name in spec.get('optional_columns', []) -%}
                {%- do selected.append(column_name if column_name in found_columns else 'cast(null as varchar) as ' ~ column_name) -%}
            {%- endfor -%}
            {%- set select_sql -%}
                select {{ selected | join(', ') }} from {{ reader.sql }}
            {%- endset -%}
        {%- endif -%}
        {%- do run_query('create or replace view raw.' ~ table_name ~ ' as ' ~ select_sql) -%}
    {%- endfor -%}
{% endmacro %}


{#- The file that holds a raw table and the table function that reads it, or none. -#}
{% macro strata_raw_reader(raw_path, table_name) %}
    {%- for extension in ['parquet', 'csv'] -%}
        {%- set path = raw_path ~ '/' ~ table_name ~ '.' ~ extension -%}
        {%- set quoted = "'" ~ path.replace("'", "''") ~ "'" -%}
        {%- set matches = run_query('select count(*) as files from glob(' ~ quoted ~ ')') -%}
        {%- if matches.columns['files'].values()[0] > 0 -%}
            {%- if extension == 'parquet' -%}
                {{ return({'path': path, 'sql': 'read_parquet(' ~ quoted ~ ')'}) }}
            {%- else -%}
                {{ return({'path': path, 'sql': 'read_csv(' ~ quoted ~ ", header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"}) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}


{#-
    A fingerprint of the bytes of a raw table's file (for the build inputs of the models that read
    a raw table without a timestamp column, macros/state/warehouse_state.sql): its MD5 and size,
    'absent' when there is no file. Reading and hashing the bytes costs 0.14 s for the 27 MB
    customers file of the 10M benchmark; judging its 1M rows again costs 4.3 s. A file written
    again with the same content keeps its fingerprint. Computed once per run and table.
-#}
{% macro strata_raw_file_fingerprint(table_name) %}
    {%- set cache = graph.setdefault('strata_raw_file_fingerprints', {}) -%}
    {%- set key = invocation_id ~ ':' ~ table_name -%}
    {%- if key not in cache -%}
        {%- set reader = strata_raw_reader((var('raw_path') | string).rstrip('/'), table_name) -%}
        {%- do cache.update({key: 'absent' if reader is none else adapter.dispatch('strata_file_fingerprint', 'strata')(reader.path)}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{% macro duckdb__strata_file_fingerprint(path) %}
    {%- set row = run_query(
        "select md5(content) as digest, size from read_blob('" ~ path.replace("'", "''") ~ "')"
    ).rows[0] -%}
    {{ return(row['digest'] ~ ':' ~ row['size']) }}
{% endmacro %}

{#- Engines without a way to read a file's bytes: a value that differs on every run, so the
    table is judged again in full each time (always right, never stale). -#}
{% macro default__strata_file_fingerprint(path) %}
    {{ return('run ' ~ invocation_id) }}
{% endmacro %}
