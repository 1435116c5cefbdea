-- How big is each tier at each snapshot?
--
-- Customers and customer_share of every tier of the bands at every snapshot_date of
-- rpt_tier_kpis (empty tiers included, with customers 0).
--
-- Returns one row per snapshot and tier: tier, tier_rank, customers, customer_share (customers /
-- all scored customers at snapshot_date), snapshot_date.
-- Ordered by snapshot_date, then tier_rank with the best tier first.

with

tier_kpis as (

    select * from {{ ref('rpt_tier_kpis') }}

),

tier_sizes as (

    select
        tier,
        tier_rank,
        customers,
        customer_share,
        snapshot_date

    from tier_kpis

)

select * from tier_sizes
order by snapshot_date asc, tier_rank desc
