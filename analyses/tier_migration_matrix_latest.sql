-- What is the tier migration matrix of the latest snapshot?
--
-- Every (from_tier, to_tier) cell of fct_tier_migrations at its latest snapshot_date, empty
-- cells included (customers 0), so the result pivots into a full matrix: from_tier is each tier
-- of the bands or 'new' (customers first scored at the latest snapshot), to_tier each tier of
-- the bands (tiers and ranks from rpt_tier_kpis, which lists every tier at every snapshot).
--
-- Returns one row per cell: from_tier, to_tier, from_tier_rank (null for 'new'), to_tier_rank,
-- customers, from_tier_customers, share_of_from_tier (customers / from_tier_customers; null when
-- from_tier had no customers), snapshot_date, previous_snapshot_date.
-- Ordered by from_tier_rank then to_tier_rank, best tier first, 'new' last.

with

tier_migrations as (

    select * from {{ ref('fct_tier_migrations') }}

),

tier_kpis as (

    select * from {{ ref('rpt_tier_kpis') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date

    from tier_migrations

),

latest_tiers as (

    select
        tier_kpis.tier,
        tier_kpis.tier_rank,
        tier_kpis.snapshot_date,
        tier_kpis.previous_snapshot_date

    from tier_kpis
    inner join latest_snapshot
        on tier_kpis.snapshot_date = latest_snapshot.snapshot_date

),

latest_migrations as (

    select
        tier_migrations.from_tier,
        tier_migrations.to_tier,
        tier_migrations.customers,
        tier_migrations.from_tier_customers,
        tier_migrations.share_of_from_tier

    from tier_migrations
    inner join latest_snapshot
        on tier_migrations.snapshot_date = latest_snapshot.snapshot_date

),

from_tiers as (

    select
        tier as from_tier,
        tier_rank as from_tier_rank

    from latest_tiers

    union all

    select
        'new' as from_tier,
        cast(null as integer) as from_tier_rank

),

from_tier_sizes as (

    select
        from_tier,
        max(from_tier_customers) as from_tier_customers

    from latest_migrations
    group by from_tier

),

migration_matrix as (

    select
        from_tiers.from_tier,
        to_tiers.tier as to_tier,
        from_tiers.from_tier_rank,
        to_tiers.tier_rank as to_tier_rank,
        coalesce(latest_migrations.customers, 0) as customers,
        coalesce(from_tier_sizes.from_tier_customers, 0) as from_tier_customers,
        case
            when latest_migrations.share_of_from_tier is not null
                then latest_migrations.share_of_from_tier
            when from_tier_sizes.from_tier_customers > 0
                then cast(0 as {{ strata_type_double() }})
        end as share_of_from_tier,
        to_tiers.snapshot_date,
        to_tiers.previous_snapshot_date

    from from_tiers
    cross join latest_tiers as to_tiers
    left join latest_migrations
        on
            from_tiers.from_tier = latest_migrations.from_tier
            and to_tiers.tier = latest_migrations.to_tier
    left join from_tier_sizes
        on from_tiers.from_tier = from_tier_sizes.from_tier

)

select * from migration_matrix
order by from_tier_rank desc nulls last, to_tier_rank desc
