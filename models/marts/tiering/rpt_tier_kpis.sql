{#-
    KPI definitions: models/marts/tiering/_tiering__docs.md (quoted by the column descriptions).

    A plain table, recomputed in full by every run (measured at 10M transactions: about 1 s;
    DECISIONS.md "Keep only the incremental logic that pays"): sizes, revenue and value from
    fct_customer_tier_history, arrivals and departures from fct_tier_migrations (the one place
    they are counted), every tier from int_rfm_cells_mapped (the one model that reads the tier
    bands seed).
-#}
with

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

tier_migrations as (

    select * from {{ ref('fct_tier_migrations') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

tier_ranks as (

    select distinct
        tier,
        tier_rank

    from {{ ref('int_rfm_cells_mapped') }}

),

tier_grid as (

    select
        tier_ranks.tier,
        tier_ranks.tier_rank,
        snapshot_dates.snapshot_date,
        snapshot_dates.previous_snapshot_date

    from snapshot_dates
    cross join tier_ranks

),

tier_members as (

    select
        tier,
        snapshot_date,
        count(*) as customers,
        sum(period_net_revenue) as net_revenue,
        sum(monetary) as total_monetary

    from tier_history
    group by tier, snapshot_date

),

tier_moves as (

    select
        tier_grid.tier,
        tier_grid.snapshot_date,
        sum(
            case
                when tier_migrations.to_tier = tier_grid.tier and tier_migrations.from_tier <> tier_grid.tier
                    then tier_migrations.customers
                else 0
            end
        ) as customers_in,
        sum(
            case
                when tier_migrations.from_tier = tier_grid.tier and tier_migrations.to_tier <> tier_grid.tier
                    then tier_migrations.customers
                else 0
            end
        ) as customers_out,
        sum(
            case when tier_migrations.from_tier = tier_grid.tier then tier_migrations.customers end
        ) as previous_customers

    from tier_grid
    inner join tier_migrations
        on
            tier_grid.snapshot_date = tier_migrations.snapshot_date
            and tier_grid.tier in (tier_migrations.from_tier, tier_migrations.to_tier)
    group by tier_grid.tier, tier_grid.snapshot_date

),

tier_snapshots as (

    select
        tier_grid.tier,
        tier_grid.tier_rank,
        coalesce(tier_members.customers, 0) as customers,
        cast(coalesce(tier_members.net_revenue, 0) as {{ dbt.type_numeric() }}) as net_revenue,
        cast(coalesce(tier_members.total_monetary, 0) as {{ dbt.type_numeric() }}) as total_monetary,
        coalesce(tier_moves.customers_in, 0) as customers_in,
        coalesce(tier_moves.customers_out, 0) as customers_out,
        tier_moves.previous_customers,
        tier_grid.snapshot_date,
        tier_grid.previous_snapshot_date

    from tier_grid
    left join tier_members
        on
            tier_grid.tier = tier_members.tier
            and tier_grid.snapshot_date = tier_members.snapshot_date
    left join tier_moves
        on
            tier_grid.tier = tier_moves.tier
            and tier_grid.snapshot_date = tier_moves.snapshot_date

),

previous_tier_snapshots as (

    select
        *,
        case
            when previous_snapshot_date is not null then coalesce(previous_customers, 0)
        end as previous_tier_customers,
        lag(total_monetary) over (partition by tier order by snapshot_date) as previous_total_monetary,
        sum(customers) over (partition by snapshot_date) as snapshot_customers,
        sum(net_revenue) over (partition by snapshot_date) as snapshot_net_revenue

    from tier_snapshots

),

kpis as (

    select
        tier,
        tier_rank,
        cast(customers as bigint) as customers,
        cast(customers as {{ strata_type_double() }}) / nullif(snapshot_customers, 0) as customer_share,
        net_revenue,
        cast(net_revenue as {{ strata_type_double() }}) / nullif(snapshot_net_revenue, 0) as revenue_share,
        total_monetary,
        cast(total_monetary as {{ strata_type_double() }}) / nullif(customers, 0) as avg_monetary,
        cast(customers_in as bigint) as customers_in,
        cast(customers_out as bigint) as customers_out,
        cast(customers_out as {{ strata_type_double() }})
        / nullif(previous_tier_customers, 0) as migration_rate,
        cast(total_monetary as {{ strata_type_double() }})
        / nullif(previous_total_monetary, 0)
        - 1 as value_growth_rate,
        cast(previous_tier_customers as bigint) as previous_customers,
        cast(previous_total_monetary as {{ dbt.type_numeric() }}) as previous_total_monetary,
        cast(snapshot_customers as bigint) as snapshot_customers,
        cast(snapshot_net_revenue as {{ dbt.type_numeric() }}) as snapshot_net_revenue,
        snapshot_date,
        previous_snapshot_date

    from previous_tier_snapshots

)

select * from kpis
