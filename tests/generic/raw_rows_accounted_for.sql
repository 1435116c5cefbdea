{#-
    On a validated raw table (see macros/raw/validate_raw_rows.sql): every staged raw row ends in
    exactly one place, the clean model (its rows matching clean_where), a quarantined row (counted raw_rows times) or a collapsed
    exact duplicate of a valid row. Returns one row with the counts when they differ.
-#}
{% test raw_rows_accounted_for(model, staged, clean, clean_where='true') %}
    {{ strata_require_argument('raw_rows_accounted_for', 'staged', staged) }}
    {{ strata_require_argument('raw_rows_accounted_for', 'clean', clean) }}
    with

    counts as (

        select
            (select count(*) from {{ staged }}) as raw_rows,
            (select count(*) from {{ clean }} where {{ clean_where }}) as clean_rows,
            (
                select coalesce(sum(raw_rows), 0) from {{ model }}
                where reject_reason is not null
            ) as quarantined_rows,
            (
                select coalesce(sum(duplicate_rows), 0) from {{ model }}
                where reject_reason is null
            ) as collapsed_duplicate_rows

    )

    select * from counts
    where raw_rows <> clean_rows + quarantined_rows + collapsed_duplicate_rows
{% endtest %}
