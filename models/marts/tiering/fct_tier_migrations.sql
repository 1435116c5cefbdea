with

customer_rfm as (

    select * from {{ ref('int_customer_tiers_assigned') }}

),

moves as (

    select
        coalesce(previous_tier, 'new') as from_tier,
        tier as to_tier,
        case
            when previous_tier is null then 'new'
            when tier_rank > previous_tier_rank then 'up'
            when tier_rank < previous_tier_rank then 'down'
            else 'same'
        end as direction,
        snapshot_date,
        previous_snapshot_date,
        count(*) as customers

    from customer_rfm
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
