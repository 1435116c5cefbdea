{#-
    on-run-start hook: points the `raw` schema at the files under var('raw_path').

    For each table of strata_raw_tables() it creates the view raw.<table> over
    <raw_path>/<table>.parquet, or <raw_path>/<table>.csv when there is no Parquet file, selecting
    only the contract columns (extra columns are ignored). A missing required file or a missing
    column, an empty required file, or a file DuckDB cannot read (it reads the required tables in
    full here) stops the run here, before any model is built, with one message naming the file.
    A missing optional table becomes an empty view with the contract columns; a missing optional
    column (optional_columns) a column of nulls.

    PostgreSQL cannot read the files: there the views read the tables raw_files.<table> that
    `strata load-raw` copied from the folder raw_path (strata/load_raw.py), and a raw_path that
    was not loaded stops the run here (postgres__strata_raw_reader).
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
                    cast(null as {{ dbt.type_string() }}) as {{ column_name }}{{ ',' if not loop.last }}
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
            {%- set found_columns = run_query('select * from ' ~ reader.sql ~ ' limit 0').column_names | map('lower') | list -%}
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
                {%- do selected.append(column_name if column_name in found_columns else 'cast(null as ' ~ dbt.type_string() ~ ') as ' ~ column_name) -%}
            {%- endfor -%}
            {%- set select_sql -%}
                select {{ selected | join(', ') }} from {{ reader.sql }}
            {%- endset -%}
        {%- endif -%}
        {%- do adapter.dispatch('strata_replace_raw_view', 'strata')(table_name, select_sql) -%}
    {%- endfor -%}
{% endmacro %}


{#- The view raw.<table_name> over select_sql, replaced. -#}
{% macro default__strata_replace_raw_view(table_name, select_sql) %}
    {%- do run_query('create or replace view raw.' ~ table_name ~ ' as ' ~ select_sql) -%}
{% endmacro %}

{#- PostgreSQL replaces a view only with the same column types, and another load can change them
    (a CSV file read as text where there was Parquet): then the old view and the staging views
    over it are dropped (the build creates these again) and the new one takes its place. -#}
{% macro postgres__strata_replace_raw_view(table_name, select_sql) %}
    {%- set view = api.Relation.create(schema='raw', identifier=table_name, type='view') -%}
    {%- set next = api.Relation.create(schema='raw', identifier=table_name ~ '__strata_next', type='view') -%}
    {%- do run_query('drop view if exists ' ~ next ~ '; create view ' ~ next ~ ' as ' ~ select_sql) -%}
    {%- set old_columns = adapter.get_columns_in_relation(view) -%}
    {%- set new_columns = adapter.get_columns_in_relation(next) -%}
    {%- if old_columns | map(attribute='data_type') | list == new_columns | map(attribute='data_type') | list -%}
        {%- do run_query('drop view ' ~ next ~ '; create or replace view ' ~ view ~ ' as ' ~ select_sql) -%}
    {%- else -%}
        {%- do run_query('drop view if exists ' ~ view ~ ' cascade; alter view ' ~ next ~ ' rename to ' ~ table_name) -%}
    {%- endif -%}
{% endmacro %}

{#- The file that holds a raw table and the relation (a DuckDB table function) that reads it, or
    none. -#}
{% macro strata_raw_reader(raw_path, table_name) %}
    {{ return(adapter.dispatch('strata_raw_reader', 'strata')(raw_path, table_name)) }}
{% endmacro %}

{% macro duckdb__strata_raw_reader(raw_path, table_name) %}
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

{#- Spark reads the files through external tables raw.<table>__file (dropping one leaves its
    file alone). The folder is listed with the binaryFile source, without reading the bytes, once
    per run. CSV is read as DuckDB reads it: a header, every column text, RFC 4180 quotes (a
    doubled quote inside a quoted field), line breaks inside quoted fields. -#}
{% macro spark__strata_raw_reader(raw_path, table_name) %}
    {%- set cache = graph.setdefault('strata_spark_raw_readers', {}) -%}
    {%- set key = invocation_id ~ ':' ~ raw_path ~ ':' ~ table_name -%}
    {%- if key not in cache -%}
        {%- set files = strata_spark_raw_files(raw_path) -%}
        {%- set found = namespace(reader=none) -%}
        {%- for extension in ['parquet', 'csv'] if found.reader is none -%}
            {%- set file_name = table_name ~ '.' ~ extension -%}
            {%- if file_name in files -%}
                {%- set path = raw_path ~ '/' ~ file_name -%}
                {%- set file_table = 'raw.' ~ table_name ~ '__file' -%}
                {%- set options = {'path': path} -%}
                {%- if extension == 'csv' -%}
                    {%- do options.update({'header': 'true', 'sep': ',', 'quote': '"', 'escape': '"', 'multiLine': 'true', 'mode': 'FAILFAST'}) -%}
                {%- endif -%}
                {%- set option_sql = [] -%}
                {%- for name, value in options.items() -%}
                    {%- do option_sql.append(name ~ ' ' ~ strata_spark_literal(value)) -%}
                {%- endfor -%}
                {%- do run_query('drop table if exists ' ~ file_table) -%}
                {%- do run_query('create table ' ~ file_table ~ ' using ' ~ extension ~ ' options (' ~ option_sql | join(', ') ~ ')') -%}
                {%- set found.reader = {'path': path, 'sql': file_table} -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do cache.update({key: found.reader}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{#- The names of the files in the folder raw_path, read once per run; a folder that does not exist
    stops the run with a message naming it. -#}
{% macro strata_spark_raw_files(raw_path) %}
    {%- set cache = graph.setdefault('strata_spark_raw_files', {}) -%}
    {%- set key = invocation_id ~ ':' ~ raw_path -%}
    {%- if key not in cache -%}
        {%- set quoted = '`' ~ raw_path.replace('`', '``') ~ '`' -%}
        {%- set names = [] -%}
        {%- for row in run_query('select path from binaryFile.' ~ quoted).rows -%}
            {%- do names.append(row['path'].rstrip('/').split('/')[-1]) -%}
        {%- endfor -%}
        {%- do cache.update({key: names}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{#- PostgreSQL reads what `strata load-raw` copied into raw_files (strata/load_raw.py), which must
    be the folder of raw_path. -#}
{% macro postgres__strata_raw_reader(raw_path, table_name) %}
    {%- set loads = strata_postgres_raw_loads() -%}
    {%- set loaded_paths = loads | map(attribute='raw_path') | unique | list -%}
    {%- if loaded_paths != [raw_path] -%}
        {{ exceptions.raise_compiler_error(
            "Strata: the raw files of " ~ raw_path ~ " are not loaded into this PostgreSQL database"
            ~ (" (it holds " ~ loaded_paths | join(', ') ~ ")" if loaded_paths else "")
            ~ ": run `strata load-raw --raw-path " ~ raw_path ~ "` first (README, 'Running on Spark / PostgreSQL')."
        ) }}
    {%- endif -%}
    {%- for load in loads if load.table_name == table_name -%}
        {{ return({'path': load.file_path, 'sql': 'raw_files.' ~ adapter.quote(table_name), 'fingerprint': load.fingerprint}) }}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}

{#- The rows of raw_files.strata_raw_load (none when nothing was loaded), read once per run. -#}
{% macro strata_postgres_raw_loads() %}
    {%- set cache = graph.setdefault('strata_postgres_raw_loads', {}) -%}
    {%- if invocation_id not in cache -%}
        {%- set load_table = api.Relation.create(schema='raw_files', identifier='strata_raw_load', type='table') -%}
        {%- set rows = [] -%}
        {%- if adapter.get_relation(load_table.database, load_table.schema, load_table.identifier) is not none -%}
            {%- for row in run_query('select raw_path, table_name, file_path, fingerprint from ' ~ load_table).rows -%}
                {%- do rows.append({'raw_path': row['raw_path'], 'table_name': row['table_name'], 'file_path': row['file_path'], 'fingerprint': row['fingerprint']}) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- do cache.update({invocation_id: rows}) -%}
    {%- endif -%}
    {{ return(cache[invocation_id]) }}
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
        {%- do cache.update({key: 'absent' if reader is none else reader.get('fingerprint') or adapter.dispatch('strata_file_fingerprint', 'strata')(reader.path)}) -%}
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
