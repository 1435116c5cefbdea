{{ config(severity='warn') }}
-- Tier-distribution alert (warns, never fails the build): a tier's customer_share at the latest
-- snapshot is more than var('tier_share_alert_stddevs') standard deviations, and at least
-- var('tier_share_alert_min_change'), away from its mean over the
-- var('tier_share_trailing_snapshots') snapshots before it. Needs at least 3 trailing snapshots.

with

tier_kpis as (

    select * from {{ ref('rpt_tier_kpis') }}

),

ordered as (

    select
        tier,
        customer_share,
        snapshot_date,
        row_number() over (partition by tier order by snapshot_date desc) as snapshots_back

    from tier_kpis

),

trailing_window as (

    select
        tier,
        count(*) as trailing_snapshots,
        avg(customer_share) as trailing_mean_share,
        stddev_samp(customer_share) as trailing_stddev_share

    from ordered
    where snapshots_back between 2 and {{ var('tier_share_trailing_snapshots') }} + 1
    group by tier

),

latest as (

    select
        tier,
        customer_share,
        snapshot_date

    from ordered
    where snapshots_back = 1

),

compared as (

    select
        latest.tier,
        latest.snapshot_date,
        latest.customer_share,
        trailing_window.trailing_mean_share,
        trailing_window.trailing_stddev_share,
        trailing_window.trailing_snapshots

    from latest
    inner join trailing_window
        on latest.tier = trailing_window.tier

)

select * from compared
where
    trailing_snapshots >= 3
    and abs(customer_share - trailing_mean_share) >= {{ var('tier_share_alert_min_change') }}
    and abs(customer_share - trailing_mean_share)
    > {{ var('tier_share_alert_stddevs') }} * coalesce(trailing_stddev_share, 0)
