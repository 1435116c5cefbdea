{#-
    On a validated raw table: the share of raw rows quarantined (sum of raw_rows of rejected rows
    over all raw rows) is at most max_share. Returns one row with the share and the commonest
    reason when it is above. Used twice per raw table: severity warn at
    var('quarantine_warn_share') and severity error at var('quarantine_error_share'), so a
    broken upstream export stops the build before the marts are replaced.
-#}
{% test quarantine_share_within_limit(model, max_share) %}
    {{ strata_require_argument('quarantine_share_within_limit', 'max_share', max_share) }}
    with

    reasons as (

        select
            reject_reason,
            sum(raw_rows) as raw_rows

        from {{ model }}
        group by reject_reason

    ),

    shares as (

        select
            sum(case when reject_reason is not null then raw_rows else 0 end) as quarantined_rows,
            sum(raw_rows) as raw_rows,
            cast(sum(case when reject_reason is not null then raw_rows else 0 end) as {{ strata_type_double() }})
            / nullif(sum(raw_rows), 0) as quarantined_share,
            max(case when reject_reason is not null then reject_reason end) as a_reject_reason

        from reasons

    )

    select * from shares
    where quarantined_share > {{ max_share }}
{% endtest %}
