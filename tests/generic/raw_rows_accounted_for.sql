{#-
    On a validated raw table (see macros/raw/validate_raw_rows.sql): every staged raw row is
    accounted for by exactly one verdict, counted raw_rows times (a verdict stands for its exact
    duplicates too): raw rows = the sum of raw_rows over every verdict, valid or rejected. Runs on
    the validated model itself, so it fails before any mart is built from it. Returns one row with
    both counts when they differ.
-#}
{% test raw_rows_accounted_for(model, staged) %}
    {{ strata_require_argument('raw_rows_accounted_for', 'staged', staged) }}
    with

    counts as (

        select
            (select count(*) from {{ staged }}) as raw_rows,
            (select coalesce(sum(raw_rows), 0) from {{ model }}) as judged_raw_rows

    )

    select * from counts
    where raw_rows <> judged_raw_rows
{% endtest %}
