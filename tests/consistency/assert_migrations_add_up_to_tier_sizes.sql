-- At every snapshot, the customers migrating into a tier add up to the tier's size in
-- rpt_tier_kpis, and the customers migrating out of a tier add up to its size at the previous
-- snapshot. Returns each tier and snapshot where they do not.

with

migrations as (

    select * from {{ ref('fct_tier_migrations') }}

),

tier_kpis as (

    select * from {{ ref('rpt_tier_kpis') }}

),

arrivals as (

    select
        snapshot_date,
        to_tier as tier,
        sum(customers) as customers

    from migrations
    group by snapshot_date, to_tier

),

departures as (

    select
        previous_snapshot_date as snapshot_date,
        from_tier as tier,
        sum(customers) as customers

    from migrations
    where from_tier <> 'new'
    group by previous_snapshot_date, from_tier

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date from tier_kpis

),

compared as (

    select
        tier_kpis.snapshot_date,
        tier_kpis.tier,
        tier_kpis.customers,
        coalesce(arrivals.customers, 0) as arriving_customers,
        coalesce(departures.customers, 0) as departing_customers,
        tier_kpis.snapshot_date = latest_snapshot.snapshot_date as is_latest

    from tier_kpis
    cross join latest_snapshot
    left join arrivals
        on
            tier_kpis.snapshot_date = arrivals.snapshot_date
            and tier_kpis.tier = arrivals.tier
    left join departures
        on
            tier_kpis.snapshot_date = departures.snapshot_date
            and tier_kpis.tier = departures.tier

)

select * from compared
where
    customers <> arriving_customers
    or (not is_latest and customers <> departing_customers)
