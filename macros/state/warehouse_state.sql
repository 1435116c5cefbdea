{#-
    What an incremental model's stored rows were built from (README "When raw data or a rule
    changes"; docs/incremental.md).

    An incremental run keeps stored rows and recomputes only what changed, so it is only right
    while the stored rows were built from the same input and the same rules as this run. Each
    incremental model therefore records, in the same transaction as its rows, its **build
    inputs** in intermediate.strata_model_state (declared, with its columns, as the source
    strata_state.strata_model_state in models/intermediate/_strata_state__sources.yml): one row per
    build of a model, the latest one being its current record. The inputs are:
    - raw_path: the folder of the raw files (var raw_path);
    - var:<name>: each var of strata_rule_vars(), the vars stored results depend on;
    - seed:<name>: a fingerprint of the content of every seed upstream of the model, as loaded
      (the tier bands, segments and recency buckets that analysts edit);
    - code:<model>: the checksum dbt keeps of the SQL file of the model and of every model
      upstream of it: an edited model (a new column, a changed rule) rebuilds itself and the
      incremental models downstream instead of mixing rows of two versions (an edited macro is
      not seen: run --full-refresh after one, docs/extending.md);
    - raw:<table>: for each raw table without a timestamp column upstream of the model (the
      customer profiles), a fingerprint of its file's bytes (strata_raw_file_fingerprint): such
      a table is judged again in full when its file changed, and kept as stored otherwise.

    should_full_refresh() (dbt's own macro, overridden here; dbt's is_incremental() and the
    incremental materialization both ask it) is true, as with --full-refresh, for an incremental
    model whose recorded inputs differ from this run's, or that has no record (built before the
    record existed, or marked stale by strata_check_raw_unchanged() at the start of the run
    because the raw file no longer holds the rows the model was built from). The model is then
    rebuilt in full, and so are the models downstream of it: a full build of a validated table
    records recomputed_from 1900-01-01, so everything after it is recomputed
    (macros/incremental/recompute_from.sql), and every
    incremental model downstream of a changed seed or var sees the change itself. So after an
    edited rule seed, another rfm_bins or min_transaction_date, or another dataset, the next
    build gives what a full build gives, and a run that stops part-way leaves the old record,
    so the next run rebuilds again.
-#}

{% macro should_full_refresh() %}
    {%- set config_full_refresh = config.get('full_refresh') -%}
    {%- if config_full_refresh is none -%}
        {%- set config_full_refresh = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if config_full_refresh -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(strata_changed_build_inputs() | length > 0) }}
{% endmacro %}

{#- The vars whose value the stored results of every incremental model depend on. Add a var here
    when a new model's stored rows depend on it, or, when only that model's rows (and those
    downstream) do, list it in the model's config meta strata_rule_vars (as
    fct_customer_lifecycle_history does): then only that model and the incremental models
    downstream of it rebuild when it changes (docs/incremental.md, "Adding a rule var or an
    incremental model"). -#}
{% macro strata_rule_vars() %}
    {{ return(['rfm_bins', 'min_transaction_date']) }}
{% endmacro %}

{#-
    For the incremental model being built, when its table exists: the differences between its
    recorded build inputs and this run's, as readable strings (empty when there is none, and for
    any other node).
-#}
{% macro strata_changed_build_inputs() %}
    {%- if not execute or model is not mapping or model.get('resource_type') != 'model'
        or model.config.materialized != 'incremental' or strata_is_empty_run() -%}
        {{ return([]) }}
    {%- endif -%}
    {#- dbt asks is_incremental() several times per model: decide once per run and model (the
        answer cannot change within a run; kept in dbt's graph dict, keyed by invocation). -#}
    {%- set cache = graph.setdefault('strata_changed_build_inputs', {}) -%}
    {%- set key = invocation_id ~ ':' ~ this -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: strata_compare_build_inputs()}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{% macro strata_compare_build_inputs() %}
    {%- if adapter.get_relation(this.database, this.schema, this.identifier) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set state_table = strata_state_relation() -%}
    {%- if adapter.get_relation(state_table.database, state_table.schema, state_table.identifier) is none -%}
        {{ return(['no record of its build inputs']) }}
    {%- endif -%}
    {%- set stored_rows = run_query(
        'select inputs, rebuilt_in_full, run_started_at = ' ~ strata_this_run() ~ ' as is_this_run from '
        ~ state_table ~ " where model_name = '" ~ this.identifier ~ "' order by run_started_at desc limit 1"
    ).rows -%}
    {%- if stored_rows | length == 0 -%}
        {{ return(['no record of its build inputs (first build with this version of Strata, its raw file changed, or an --empty --full-refresh run emptied it)']) }}
    {%- endif -%}
    {#- The record post-hook runs before the model's own post-hooks (dbt runs project hooks
        first): a record this run wrote says what this run decided. -#}
    {%- if stored_rows[0]['is_this_run'] -%}
        {{ return(['rebuilt in full in this run'] if stored_rows[0]['rebuilt_in_full'] else []) }}
    {%- endif -%}
    {%- set stored = fromjson(stored_rows[0]['inputs']) -%}
    {%- set current = strata_build_inputs() -%}
    {%- set changes = [] -%}
    {%- for name in (stored.keys() | list + current.keys() | list) | unique | sort -%}
        {%- if stored.get(name) != current.get(name) -%}
            {%- if name.startswith('seed:') -%}
                {%- do changes.append('seed ' ~ name[5:] ~ ' changed') -%}
            {%- elif name.startswith('code:') -%}
                {%- do changes.append('the SQL of ' ~ name[5:] ~ ' changed') -%}
            {%- elif name.startswith('raw:') -%}
                {%- do changes.append('the raw ' ~ name[4:] ~ ' file changed') -%}
            {%- else -%}
                {%- do changes.append(name ~ ' was ' ~ (stored.get(name) | tojson) ~ ', now ' ~ (current.get(name) | tojson)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(changes) }}
{% endmacro %}

{#- This run's build inputs of the model being built: {name: value as text}. -#}
{% macro strata_build_inputs() %}
    {%- set inputs = {'raw_path': strata_build_inputs_raw_path()} -%}
    {%- set rule_vars = strata_rule_vars() | list -%}
    {%- for node_id in [model.unique_id] + strata_upstream_nodes(model.unique_id) if node_id.startswith('model.') -%}
        {%- do rule_vars.extend(graph.nodes[node_id].config.meta.get('strata_rule_vars', [])) -%}
    {%- endfor -%}
    {%- for name in rule_vars | unique | sort -%}
        {%- do inputs.update({'var:' ~ name: var(name) | string}) -%}
    {%- endfor -%}
    {%- set seeds = [] -%}
    {%- for node_id in strata_upstream_nodes(model.unique_id) if node_id.startswith('seed.') -%}
        {%- do seeds.append(graph.nodes[node_id]) -%}
    {%- endfor -%}
    {%- for seed in seeds | sort(attribute='name') -%}
        {%- set relation = api.Relation.create(database=seed.database, schema=seed.schema, identifier=seed.alias) -%}
        {%- do inputs.update({'seed:' ~ seed.name: strata_relation_fingerprint(relation)}) -%}
    {%- endfor -%}
    {%- for node_id in [model.unique_id] + strata_upstream_nodes(model.unique_id) | sort if node_id.startswith('model.') -%}
        {%- do inputs.update({'code:' ~ graph.nodes[node_id].name: graph.nodes[node_id].checksum.checksum}) -%}
    {%- endfor -%}
    {%- set raw_tables = strata_raw_tables() -%}
    {%- for node_id in strata_upstream_nodes(model.unique_id) | sort if node_id.startswith('source.') -%}
        {%- set source = graph.sources[node_id] -%}
        {%- set spec = raw_tables.get(source.name) if source.source_name == 'raw' else none -%}
        {%- if spec is not none and not spec.get('timestamp_column') -%}
            {%- do inputs.update({'raw:' ~ source.name: strata_raw_file_fingerprint(source.name)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(inputs) }}
{% endmacro %}

{% macro strata_build_inputs_raw_path() %}
    {{ return((var('raw_path') | string).rstrip('/')) }}
{% endmacro %}

{#- The ids of the nodes upstream of a node (through any number of models), from dbt's graph. -#}
{% macro strata_upstream_nodes(unique_id) %}
    {%- set seen = [unique_id] -%}
    {#- Breadth-first; the loop bound is far above the depth of the DAG. -#}
    {%- for _ in range(50) -%}
        {%- set frontier = [] -%}
        {%- for node_id in seen -%}
            {%- set node = graph.nodes.get(node_id) -%}
            {%- if node is not none -%}
                {%- for parent_id in node.depends_on.nodes if parent_id not in seen and parent_id not in frontier -%}
                    {%- do frontier.append(parent_id) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for parent_id in frontier -%}
            {%- do seen.append(parent_id) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(seen[1:]) }}
{% endmacro %}

{#- A fingerprint of a (small) table's content: the hash of all its rows as text, in order.
    Computed once per run and relation: only models downstream of a seed ask for its
    fingerprint, so the seed is loaded by then and does not change for the rest of the run. -#}
{% macro strata_relation_fingerprint(relation) %}
    {%- set cache = graph.setdefault('strata_relation_fingerprints', {}) -%}
    {%- set key = invocation_id ~ ':' ~ relation -%}
    {%- if key not in cache -%}
        {%- do cache.update({key: strata_compute_fingerprint(relation)}) -%}
    {%- endif -%}
    {{ return(cache[key]) }}
{% endmacro %}

{% macro strata_compute_fingerprint(relation) %}
    {%- set cells = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do cells.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {%- set row_text -%}
        {%- for cell in cells -%}{{ cell }}{{ " || '|' || " if not loop.last }}{%- endfor -%}
    {%- endset -%}
    {%- set fingerprint = run_query(
        'select ' ~ dbt.hash(dbt.listagg(row_text, "'\n'", 'order by ' ~ row_text)) ~ ' as value from ' ~ relation
    ).columns['value'].values()[0] -%}
    {{ return(fingerprint | string) }}
{% endmacro %}

{#-
    Post-hook of every model (dbt_project.yml); for an incremental model (not in an --empty
    run) it appends the model's record, inside the model's transaction: its build inputs,
    whether this run rebuilt it in full (the model's own post-hooks run after this one and ask
    is_incremental() again), and recomputed_from, the first date this run rewrote
    (strata_recomputed_from_of_this_run). Older records of the model are pruned when no model
    downstream can still need them (strata_prune_state).
    Pre-hook strata_explain_full_rebuild: says in the log why a model is rebuilt in full.
-#}
{% macro strata_record_build_inputs() %}
    {%- if not execute or model.config.materialized != 'incremental' -%}
        {{ return('') }}
    {%- endif -%}
    {%- if strata_is_empty_run() -%}
        {#- --empty --full-refresh has just replaced the table by an empty one: forget the model's
            records, so the next run rebuilds it in full. A plain --empty run changes nothing. -#}
        {{ return('delete from ' ~ strata_state_relation() ~ " where model_name = '" ~ this.identifier ~ "'"
            if not is_incremental() else '') }}
    {%- endif -%}
    {%- set state_table = strata_state_relation() -%}
    {%- set inputs = strata_build_inputs() | tojson -%}
    {%- set rebuilt_in_full = not is_incremental() -%}
    insert into {{ state_table }}
    values (
        '{{ this.identifier }}',
        {{ strata_this_run() }},
        '{{ inputs | replace("'", "''") }}',
        {{ 'true' if rebuilt_in_full else 'false' }},
        {{ strata_date_literal(strata_recomputed_from_of_this_run()) }}
    )
{%- endmacro %}

{#- The first date the model being built rewrote in this run (none = everything): for a
    validated model, strata_verdicts_changed_from; for a model using strata_recompute_from_date, that
    date; else everything. -#}
{% macro strata_recomputed_from_of_this_run() %}
    {%- if not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = invocation_id ~ ':' ~ this -%}
    {%- if key in graph.get('strata_revalidate_from', {}) -%}
        {%- for table_name, spec in strata_raw_tables().items() if this.identifier == 'int_' ~ table_name ~ '_validated' -%}
            {{ return(strata_verdicts_changed_from(spec.timestamp_column)) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(graph.get('strata_recompute_from', {}).get(key)) }}
{% endmacro %}

{% macro strata_explain_full_rebuild() %}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set changes = strata_changed_build_inputs() -%}
        {%- if changes | length > 0 -%}
            {{ log('Strata: rebuilding ' ~ this.identifier ~ ' in full: ' ~ changes | join('; ') ~ '.', info=true) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#-
    on-run-start hook (after register_raw_tables), in `dbt build` and `dbt run`: for each raw
    table validated incrementally, the stored verdicts dated before the revalidation date must
    stand for as many raw rows as the raw file now holds before that date (those rows are not
    read again). When they do not (another dataset under the same raw_path, old rows removed or
    added upstream), every incremental model's record of its build inputs is removed, so the
    whole warehouse is rebuilt in full in this run, and the log says why. Cost: one count over
    the raw file with a date filter (0.3 s at 9.7M Parquet rows). A changed raw row that keeps the
    count is not seen (README "When raw data or a rule changes").
-#}
{% macro strata_check_raw_unchanged() %}
    {%- if not execute or flags.WHICH not in ['build', 'run'] or flags.FULL_REFRESH or strata_is_empty_run()
        or not strata_builds_incrementally() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set state_table = strata_state_relation() -%}
    {%- for table_name, spec in strata_raw_tables().items() if spec.get('timestamp_column') -%}
        {%- set validated_node = graph.nodes.get('model.' ~ project_name ~ '.int_' ~ table_name ~ '_validated') -%}
        {%- set validated = adapter.get_relation(validated_node.database, validated_node.schema, validated_node.alias) -%}
        {#- The raw view registered by this run (register_raw_tables), timestamps parsed as in
            staging: not the staging view, which a `dbt build --empty` leaves empty. -#}
        {%- set raw_source = graph.sources.get('source.' ~ project_name ~ '.raw.' ~ table_name) -%}
        {%- set staged = api.Relation.create(
            database=raw_source.database, schema=raw_source.schema, identifier=raw_source.identifier
        ) if raw_source is not none else none -%}
        {%- set recorded = run_query(
            'select inputs from ' ~ state_table ~ " where model_name = '" ~ validated_node.alias ~ "'"
            ~ ' order by run_started_at desc limit 1'
        ).columns['inputs'].values() -%}
        {#- Another raw_path (or no record) rebuilds the model anyway, and its log line says why. -#}
        {%- set same_raw_path = recorded | length > 0
            and fromjson(recorded[0]).get('raw_path') == strata_build_inputs_raw_path() -%}
        {%- if validated is not none and staged is not none and same_raw_path -%}
            {%- set timestamp_column = spec.timestamp_column -%}
            {%- set revalidate_from = strata_revalidation_date(validated, timestamp_column, 'reject_reason is null') -%}
            {%- if revalidate_from is not none -%}
                {%- set before = ' < ' ~ strata_date_literal(revalidate_from) -%}
                {%- set counts = run_query(
                    'select (select count(*) from ' ~ staged ~ ' where '
                    ~ strata_parse_utc_timestamp(timestamp_column) ~ before ~ ') as raw_rows, '
                    ~ '(select coalesce(sum(raw_rows), 0) from ' ~ validated ~ ' where ' ~ timestamp_column ~ before
                    ~ ') as stored_rows'
                ).rows[0] -%}
                {%- if counts['raw_rows'] != counts['stored_rows'] -%}
                    {{ log(
                        'Strata: the raw ' ~ table_name ~ ' under raw_path ' ~ var('raw_path') ~ ' hold '
                        ~ counts['raw_rows'] ~ ' rows dated before ' ~ revalidate_from ~ ', but this warehouse was built from '
                        ~ counts['stored_rows'] ~ ' (another dataset, or old rows'
                        ~ ' added or removed upstream): rebuilding every model in full. To keep this warehouse'
                        ~ ' as it is, stop and set STRATA_DUCKDB_PATH to another file.',
                        info=true
                    ) }}
                    {%- do run_query('delete from ' ~ state_table) -%}
                    {{ return('') }}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}

{#-
    strata_changed_upstream_since_last_build(): for the incremental model being built, the
    earliest recomputed_from recorded by any incremental model upstream of it since this model's
    own latest record (a date; none when nothing upstream was rewritten since). So a change that a
    run could not carry all the way down (a failed test skipped the models after it, SIGTERM,
    --select) is still recomputed by the next run that builds the model. An upstream record
    without recomputed_from counts as everything.
-#}
{% macro strata_changed_upstream_since_last_build() %}
    {%- set upstream = [] -%}
    {%- for node_id in strata_upstream_nodes(model.unique_id) -%}
        {%- set node = graph.nodes.get(node_id) -%}
        {%- if node is not none and node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
            {%- do upstream.append("'" ~ node.alias ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if upstream | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state_table = strata_state_relation() -%}
    {%- set changed = run_query(
        'select min(coalesce(recomputed_from, ' ~ strata_date_literal(none) ~ ')) as value from ' ~ state_table
        ~ ' where model_name in (' ~ upstream | join(', ') ~ ') and run_started_at > ('
        ~ 'select max(run_started_at) from ' ~ state_table
        ~ " where model_name = '" ~ this.identifier ~ "' and run_started_at < " ~ strata_this_run() ~ ')'
    ).columns['value'].values()[0] -%}
    {%- if changed is not none and changed < modules.datetime.date(1900, 1, 1) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(changed) }}
{% endmacro %}

{#-
    on-run-start hook: creates the state tables intermediate.strata_model_state and
    strata_verified_tests (macros/incremental/verified_builds.sql) when they do not exist (before
    any model, outside the models' transactions: created inside them, two models running at
    once raised a catalog write-write conflict), and prunes the rows no run can need any more:
    the records of models that are no longer incremental, model records older than the oldest
    current record (the latest record of every model), and every verification of a test but its
    latest.
-#}
{% macro strata_create_state_table() %}
    {%- if not execute or not strata_builds_incrementally() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set state_table = strata_state_relation() -%}
    {%- set verified_tests = strata_verified_tests_relation() -%}
    {%- set statements = ['create schema if not exists ' ~ state_table.include(database=false, identifier=false)] -%}
    {#- A warehouse built by an earlier version of Strata: its state table has no
        recomputed_from, and its other bookkeeping tables are no longer used. Dropping them
        makes every incremental model rebuild in full once ("no record of its build inputs"). -#}
    {#- run_query, not adapter.get_columns_in_relation: that one opens a transaction on the
        hooks' connection, which dbt rolls back after the last on-run-start hook. -#}
    {%- set existing_columns = run_query(
        "select lower(column_name) as column_name from information_schema.columns"
        ~ " where table_schema = '" ~ state_table.schema ~ "' and table_name = '" ~ state_table.identifier ~ "'"
    ).columns['column_name'].values() | list -%}
    {%- if existing_columns | length > 0 and 'recomputed_from' not in existing_columns -%}
        {%- do statements.append('drop table ' ~ state_table) -%}
    {%- endif -%}
    {%- for obsolete in ['strata_recompute_log', 'strata_verdict_changes', 'strata_completed_refreshes'] -%}
        {%- do statements.append('drop table if exists ' ~ state_table.incorporate(path={'identifier': obsolete})) -%}
    {%- endfor -%}
    {%- do statements.append(
        'create table if not exists ' ~ state_table ~ ' (model_name ' ~ dbt.type_string()
        ~ ', run_started_at ' ~ dbt.type_timestamp() ~ ', inputs ' ~ dbt.type_string()
        ~ ', rebuilt_in_full ' ~ dbt.type_boolean() ~ ', recomputed_from date)'
    ) -%}
    {%- set incremental_models = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'incremental' -%}
        {%- do incremental_models.append("'" ~ node.alias ~ "'") -%}
    {%- endfor -%}
    {%- do statements.append(
        'delete from ' ~ state_table ~ ' where model_name not in (' ~ (incremental_models | join(', ') or "''") ~ ')'
    ) -%}
    {%- do statements.append(
        'delete from ' ~ state_table ~ ' where run_started_at < (select min(latest) from ('
        ~ 'select max(run_started_at) as latest from ' ~ state_table ~ ' group by model_name) as current_records)'
    ) -%}
    {%- do statements.append(
        'create table if not exists ' ~ verified_tests ~ ' (test_key ' ~ dbt.type_string()
        ~ ', run_started_at ' ~ dbt.type_timestamp() ~ ')'
    ) -%}
    {%- do statements.append(
        'delete from ' ~ verified_tests ~ ' as verified where run_started_at < ('
        ~ 'select max(later.run_started_at) from ' ~ verified_tests ~ ' as later where later.test_key = verified.test_key)'
    ) -%}
    {#- Returned as the hook's SQL: dbt runs and commits it before any model starts. -#}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{#- The state table, in the schema of the validated tables. -#}
{% macro strata_state_relation() %}
    {%- set validated = graph.nodes['model.' ~ project_name ~ '.int_transactions_validated'] -%}
    {{ return(api.Relation.create(
        database=validated.database, schema=validated.schema, identifier='strata_model_state'
    )) }}
{% endmacro %}
