{#-
    The RFM scoring rule, in one place (definition: docs blocks r_score, f_score and m_score in
    models/docs.md: NTILE(N) per snapshot, then tied values take the lowest bucket of any of them).

    Computed exactly, without running NTILE: NTILE puts the row at 1-based position p of n rows
    into bucket
        p <= r * (q + 1):  (p - 1) div (q + 1) + 1
        otherwise:         r + (p - 1 - r * (q + 1)) div q + 1
    where q = n div N and r = n mod N (the first r buckets hold q + 1 rows, the rest q). The
    bucket never decreases with p, so the lowest bucket among tied rows is the bucket of the
    first of them, whose position is rank() (1 + the number of rows with a smaller value). The
    score depends only on the value, so the customer_id tie-break cannot change it. One sort per
    metric instead of NTILE's sort plus a second window over the ties.

    rfm_position(metric, direction): rank() of the metric within the snapshot.
    rfm_score_of_position(position, customers): the score of that position among `customers`
    scored customers of the snapshot.
-#}
{% macro rfm_position(metric, direction='asc', partition_by='snapshot_date') -%}
    rank() over (partition by {{ partition_by }} order by {{ metric }} {{ direction }})
{%- endmacro %}

{% macro rfm_score_of_position(position, customers) -%}
    {%- set bins = strata_rfm_bins() -%}
    {%- set rows_per_bucket = strata_integer_divide(customers, bins) -%}
    {%- set larger_buckets = '(' ~ customers ~ ' - ' ~ bins ~ ' * ' ~ rows_per_bucket ~ ')' -%}
    cast(case
        when {{ position }} <= {{ larger_buckets }} * ({{ rows_per_bucket }} + 1)
            then {{ strata_integer_divide(position ~ ' - 1', rows_per_bucket ~ ' + 1') }} + 1
        else {{ larger_buckets }} + {{ strata_integer_divide(
            position ~ ' - 1 - ' ~ larger_buckets ~ ' * (' ~ rows_per_bucket ~ ' + 1)',
            'nullif(' ~ rows_per_bucket ~ ', 0)'
        ) }} + 1
    end as integer)
{%- endmacro %}
