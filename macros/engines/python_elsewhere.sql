{#-
    The materialization of the project's Python models on engines whose dbt adapter cannot run
    Python here (PostgreSQL, Spark): `strata build` runs the model itself between two dbt builds
    and writes its table (strata/engines.py). Here dbt only checks that it did in this build, by the
    environment variable strata sets for the second build, and that the table is there.
    dbt_project.yml chooses it by target type.
-#}
{% materialization strata_python_elsewhere, default, supported_languages=['python'] %}
    {%- set target_relation = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if env_var('STRATA_PYTHON_MODELS_RAN', '') != 'yes' or target_relation is none -%}
        {{ exceptions.raise_compiler_error(
            "Strata: " ~ this ~ " is a Python model, which dbt cannot run on " ~ target.type
            ~ ": build with `strata build --target " ~ target.name ~ "`, which runs it "
            ~ "(README, 'Running on Spark / PostgreSQL')."
        ) }}
    {%- endif -%}
    {%- call noop_statement('main', 'written by strata build') -%}
        -- {{ this }} was written by strata build
    {%- endcall -%}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
