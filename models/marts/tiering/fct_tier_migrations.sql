{#-
    A plain table, recomputed in full by every run from fct_customer_tier_history (measured at
    10M transactions: about 1 s; DECISIONS.md "Keep only the incremental logic that pays").
    Tier ranks come from int_rfm_cells_mapped, the one model that reads the tier bands seed.
-#}
with

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

tier_ranks as (

    select distinct
        tier,
        tier_rank

    from {{ ref('int_rfm_cells_mapped') }}

),

moves as (

    select
        coalesce(tier_history.previous_tier, 'new') as from_tier,
        tier_history.tier as to_tier,
        case
            when tier_history.previous_tier is null then 'new'
            when tier_history.tier_rank > previous_ranks.tier_rank then 'up'
            when tier_history.tier_rank < previous_ranks.tier_rank then 'down'
            else 'same'
        end as direction,
        tier_history.snapshot_date,
        tier_history.previous_snapshot_date,
        count(*) as customers

    from tier_history
    left join tier_ranks as previous_ranks
        on tier_history.previous_tier = previous_ranks.tier
    group by 1, 2, 3, 4, 5

),

migrations as (

    select
        from_tier,
        to_tier,
        direction,
        customers,
        cast(sum(customers) over (partition by snapshot_date, from_tier) as bigint) as from_tier_customers,
        cast(customers as {{ strata_type_double() }})
        / sum(customers) over (partition by snapshot_date, from_tier) as share_of_from_tier,
        snapshot_date,
        previous_snapshot_date

    from moves

)

select * from migrations
