{#-
    One row per customer whose tier or lifecycle stage worsened between the last two snapshots
    (the snapshot before as_of_date, and as_of_date), ranked by severity (definitions:
    models/marts/actions/_actions__docs.md). A plain table: one snapshot's rows.
-#}
{%- set alert = strata_alert_settings() %}
with

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

lifecycle_history as (

    select * from {{ ref('fct_customer_lifecycle_history') }}

),

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

tier_bands as (

    select * from {{ ref('rfm_tier_bands') }}
    where rfm_bins = {{ strata_rfm_bins() }}

),

customer_value as (

    select * from {{ ref('fct_customer_value') }}

),

latest_snapshot as (

    select
        snapshot_date,
        previous_snapshot_date

    from snapshot_dates
    where is_as_of_date and previous_snapshot_date is not null

),

changes as (

    select
        lifecycle_history.customer_id,
        tier_history.previous_tier as from_tier,
        tier_history.tier as to_tier,
        lifecycle_history.previous_lifecycle_stage as from_lifecycle_stage,
        lifecycle_history.lifecycle_stage as to_lifecycle_stage,
        from_bands.tier_rank as from_tier_rank,
        tier_history.tier_rank as to_tier_rank,
        {{ strata_lifecycle_stage_health('lifecycle_history.previous_lifecycle_stage') }} as from_stage_health,
        {{ strata_lifecycle_stage_health('lifecycle_history.lifecycle_stage') }} as to_stage_health,
        latest_snapshot.previous_snapshot_date,
        latest_snapshot.snapshot_date

    from lifecycle_history
    inner join latest_snapshot
        on lifecycle_history.snapshot_date = latest_snapshot.snapshot_date
    left join tier_history
        on
            lifecycle_history.customer_id = tier_history.customer_id
            and lifecycle_history.snapshot_date = tier_history.snapshot_date
    left join tier_bands as from_bands
        on tier_history.previous_tier = from_bands.tier

),

drops as (

    select
        *,
        case
            when from_tier_rank > to_tier_rank then from_tier_rank - to_tier_rank else 0
        end as tier_drop,
        case
            when from_stage_health > to_stage_health then from_stage_health - to_stage_health else 0
        end as stage_drop

    from changes

),

scored as (

    select
        drops.customer_id,
        drops.from_tier,
        drops.to_tier,
        drops.from_lifecycle_stage,
        drops.to_lifecycle_stage,
        drops.tier_drop,
        drops.stage_drop,
        customer_value.predicted_clv,
        customer_value.clv_quantile,
        (
            drops.tier_drop * coalesce(drops.from_tier_rank, 0)
            + drops.stage_drop * {{ alert.stage_drop_points }}
        ) * (1 + coalesce(customer_value.clv_quantile, 0))
        + case
            when customer_value.high_value_at_risk then {{ alert.high_value_at_risk_points }} else 0
        end as severity_score,
        drops.tier_drop > 0 as is_tier_worsened,
        drops.stage_drop > 0 as is_stage_worsened,
        coalesce(customer_value.high_value_at_risk, false) as is_high_value_at_risk,
        drops.previous_snapshot_date,
        drops.snapshot_date

    from drops
    left join customer_value
        on drops.customer_id = customer_value.customer_id
    where drops.tier_drop > 0 or drops.stage_drop > 0

),

alerts as (

    select
        customer_id,
        case
            when severity_score >= {{ alert.severe_score }} then 'severe'
            when severity_score >= {{ alert.moderate_score }} then 'moderate'
            else 'minor'
        end as severity,
        from_tier,
        to_tier,
        from_lifecycle_stage,
        to_lifecycle_stage,
        cast(tier_drop as integer) as tier_drop,
        cast(stage_drop as integer) as stage_drop,
        cast(predicted_clv as {{ strata_type_double() }}) as predicted_clv,
        cast(clv_quantile as {{ strata_type_double() }}) as clv_quantile,
        cast(severity_score as {{ strata_type_double() }}) as severity_score,
        cast(row_number() over (order by severity_score desc, customer_id asc) as integer) as severity_rank,
        is_tier_worsened,
        is_stage_worsened,
        is_high_value_at_risk,
        previous_snapshot_date,
        snapshot_date

    from scored

)

select * from alerts
