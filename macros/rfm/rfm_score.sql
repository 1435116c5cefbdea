{#-
    The RFM scoring rule, in one place (README "Definitions", Scores).

    rfm_ntile_bucket: NTILE(N) over the scored customers of one snapshot, ordered by the metric
    (ascending, or descending for recency) and then by customer_id, so a run is deterministic.

    rfm_tie_shared_score: ties share one score. NTILE splits equal values across buckets
    arbitrarily; every customer with the same metric value takes the lowest bucket NTILE gave any
    of them. Used on the bucket computed by rfm_ntile_bucket (window functions cannot nest, so the
    two steps live in consecutive CTEs).
-#}
{% macro rfm_ntile_bucket(metric, direction='asc', partition_by='snapshot_date') -%}
    ntile({{ strata_rfm_bins() }}) over (
        partition by {{ partition_by }}
        order by {{ metric }} {{ direction }}, customer_id asc
    )
{%- endmacro %}

{% macro rfm_tie_shared_score(bucket, metric, partition_by='snapshot_date') -%}
    cast(min({{ bucket }}) over (partition by {{ partition_by }}, {{ metric }}) as integer)
{%- endmacro %}
