{#- KPI definitions: README "Marts" (rpt_tier_kpis) and models/marts/tiering/rpt_tier_kpis.yml. -#}
with

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

tier_bands as (

    select * from {{ ref('rfm_tier_bands') }}
    where rfm_bins = {{ strata_rfm_bins() }}

),

tier_grid as (

    select
        tier_bands.tier,
        cast(tier_bands.tier_rank as integer) as tier_rank,
        snapshot_dates.snapshot_date,
        snapshot_dates.previous_snapshot_date

    from snapshot_dates
    cross join tier_bands

),

tier_members as (

    select
        tier_history.tier,
        tier_history.snapshot_date,
        count(*) as customers,
        sum(coalesce(customer_periods.net_amount, 0)) as net_revenue,
        sum(tier_history.monetary) as total_monetary,
        sum(
            case
                when tier_history.previous_tier is null or tier_history.previous_tier <> tier_history.tier
                    then 1
                else 0
            end
        ) as customers_in

    from tier_history
    left join customer_periods
        on
            tier_history.customer_id = customer_periods.customer_id
            and tier_history.snapshot_date = customer_periods.snapshot_date
    group by tier_history.tier, tier_history.snapshot_date

),

previous_tier_members as (

    select
        previous_tier as tier,
        snapshot_date,
        count(*) as previous_customers,
        sum(case when tier <> previous_tier then 1 else 0 end) as customers_out

    from tier_history
    where previous_tier is not null
    group by previous_tier, snapshot_date

),

tier_snapshots as (

    select
        tier_grid.tier,
        tier_grid.tier_rank,
        coalesce(tier_members.customers, 0) as customers,
        cast(coalesce(tier_members.net_revenue, 0) as {{ dbt.type_numeric() }}) as net_revenue,
        cast(coalesce(tier_members.total_monetary, 0) as {{ dbt.type_numeric() }}) as total_monetary,
        coalesce(tier_members.customers_in, 0) as customers_in,
        coalesce(previous_tier_members.customers_out, 0) as customers_out,
        previous_tier_members.previous_customers,
        tier_grid.snapshot_date,
        tier_grid.previous_snapshot_date

    from tier_grid
    left join tier_members
        on
            tier_grid.tier = tier_members.tier
            and tier_grid.snapshot_date = tier_members.snapshot_date
    left join previous_tier_members
        on
            tier_grid.tier = previous_tier_members.tier
            and tier_grid.snapshot_date = previous_tier_members.snapshot_date

),

kpis as (

    select
        tier,
        tier_rank,
        cast(customers as bigint) as customers,
        cast(customers as {{ strata_type_double() }})
        / nullif(sum(customers) over (partition by snapshot_date), 0) as customer_share,
        net_revenue,
        cast(net_revenue as {{ strata_type_double() }})
        / nullif(sum(net_revenue) over (partition by snapshot_date), 0) as revenue_share,
        total_monetary,
        cast(total_monetary as {{ strata_type_double() }}) / nullif(customers, 0) as avg_monetary,
        cast(customers_in as bigint) as customers_in,
        cast(customers_out as bigint) as customers_out,
        cast(customers_out as {{ strata_type_double() }}) / nullif(previous_customers, 0) as migration_rate,
        cast(total_monetary as {{ strata_type_double() }})
        / nullif(lag(total_monetary) over tier_snapshots_in_order, 0)
        - 1 as value_growth_rate,
        snapshot_date,
        previous_snapshot_date

    from tier_snapshots
    window tier_snapshots_in_order as (partition by tier order by snapshot_date)

)

select * from kpis
