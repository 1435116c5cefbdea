{#-
    Fails on every combination of the given columns that occurs more than once.

    recomputed_date_column (optional, for incremental models): in a `dbt build`, once this test
    has passed, only the combinations that occur among rows dated on or after the earliest date
    rewritten since then are checked (macros/incremental/verified_builds.sql); every duplicate
    involves such a row, so this is exact and reads far less than the whole table. Key values are
    compared with '=' there: a null key is the not_null tests' to find.
-#}
{% test unique_combination_of_columns(model, combination_of_columns, recomputed_date_column=none) %}
    {%- if not combination_of_columns -%}
        {{ exceptions.raise_compiler_error("Strata test unique_combination_of_columns: give combination_of_columns.") }}
    {%- endif -%}
    {%- set tested_from = none -%}
    {%- if recomputed_date_column is not none -%}
        {%- set tested_from = strata_tested_from(model, combination_of_columns, recomputed_date_column) -%}
    {%- endif -%}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }} as tested
    {%- if tested_from is not none and recomputed_date_column in combination_of_columns %}
        where {{ recomputed_date_column }} >= {{ tested_from }}
    {%- elif tested_from is not none %}
        where exists (
            select 1 from {{ model }} as recomputed
            where
                recomputed.{{ recomputed_date_column }} >= {{ tested_from }}
                {%- for column in combination_of_columns %}
                    and recomputed.{{ column }} = tested.{{ column }}
                {%- endfor %}
        )
    {%- endif %}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
