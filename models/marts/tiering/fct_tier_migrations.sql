{{
    config(
        materialized='incremental',
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
    )
}}
{#-
    Incremental by snapshot date, like fct_customer_tier_history: a run counts the migrations of
    the snapshots from the recompute date on (macros/incremental/recompute_from.sql).
-#}
-- depends_on: {{ ref('int_snapshot_dates') }}
-- depends_on: {{ ref('int_transactions_validated') }}
with

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}
    where snapshot_date >= {{ strata_recompute_from_date() }}

),

tier_bands as (

    select * from {{ ref('rfm_tier_bands') }}
    where rfm_bins = {{ strata_rfm_bins() }}

),

moves as (

    select
        coalesce(tier_history.previous_tier, 'new') as from_tier,
        tier_history.tier as to_tier,
        case
            when tier_history.previous_tier is null then 'new'
            when tier_history.tier_rank > previous_bands.tier_rank then 'up'
            when tier_history.tier_rank < previous_bands.tier_rank then 'down'
            else 'same'
        end as direction,
        tier_history.snapshot_date,
        tier_history.previous_snapshot_date,
        count(*) as customers

    from tier_history
    left join tier_bands as previous_bands
        on tier_history.previous_tier = previous_bands.tier
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
