{#- Fails on every combination of the given columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if not combination_of_columns -%}
        {{ exceptions.raise_compiler_error("Strata test unique_combination_of_columns: give combination_of_columns.") }}
    {%- endif -%}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
