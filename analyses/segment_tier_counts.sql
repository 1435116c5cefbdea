-- How do segments and tiers overlap at as_of_date?
--
-- Scored customers of fct_customer_rfm counted per (segment, tier) cell; only cells holding at
-- least one customer (the marts expose no list of all segments).
--
-- Returns one row per cell: segment, tier, tier_rank, customers, customer_share (customers / all
-- scored customers at as_of_date), as_of_date.
-- Ordered by segment, then tier_rank with the best tier first.

with

customer_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

cell_counts as (

    select
        segment,
        tier,
        tier_rank,
        count(*) as customers,
        as_of_date

    from customer_rfm
    group by segment, tier, tier_rank, as_of_date

),

segment_tier_counts as (

    select
        segment,
        tier,
        tier_rank,
        customers,
        cast(customers as {{ strata_type_double() }})
        / sum(customers) over () as customer_share,
        as_of_date

    from cell_counts

)

select * from segment_tier_counts
order by segment asc, tier_rank desc
