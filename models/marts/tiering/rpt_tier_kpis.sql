{{
    config(
        materialized='incremental',
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
    )
}}
{#-
    KPI definitions: README "Marts" (rpt_tier_kpis) and models/marts/tiering/_tiering__models.yml.

    Incremental by snapshot date, like fct_customer_tier_history: a run computes the snapshots
    from the recompute date on (macros/incremental/recompute_from.sql); value_growth_rate of the
    first of them compares with the stored last kept snapshot.
-#}
-- depends_on: {{ ref('int_transactions_validated') }}
{%- set recompute_from = strata_recompute_from_date() %}

with

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}
    where snapshot_date >= {{ recompute_from }}

),

customer_periods as (

    select * from {{ ref('int_customer_periods_aggregated') }}
    where snapshot_date >= {{ recompute_from }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}
    where snapshot_date >= {{ recompute_from }}

),

kept_tier_totals as (

    {{ strata_rows_at_last_kept_snapshot(
        {'tier': dbt.type_string(), 'total_monetary': dbt.type_numeric(), 'snapshot_date': 'date'},
        recompute_from,
    ) }}

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

tier_totals_in_order as (

    select
        tier,
        total_monetary,
        snapshot_date,
        true as is_recomputed

    from tier_snapshots

    union all

    select
        tier,
        total_monetary,
        snapshot_date,
        false as is_recomputed

    from kept_tier_totals

),

previous_tier_totals as (

    select
        tier,
        snapshot_date,
        lag(total_monetary) over (partition by tier order by snapshot_date) as previous_total_monetary,
        is_recomputed

    from tier_totals_in_order

),

tier_snapshots_with_previous as (

    select
        tier_snapshots.*,
        previous_tier_totals.previous_total_monetary

    from tier_snapshots
    inner join previous_tier_totals
        on
            tier_snapshots.tier = previous_tier_totals.tier
            and tier_snapshots.snapshot_date = previous_tier_totals.snapshot_date
            and previous_tier_totals.is_recomputed

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
        / nullif(previous_total_monetary, 0)
        - 1 as value_growth_rate,
        snapshot_date,
        previous_snapshot_date

    from tier_snapshots_with_previous

)

select * from kpis
