{#-
    Monthly acquisition cohorts (definitions: models/marts/lifecycle/_lifecycle__docs.md). A
    plain table: one row per cohort and month, recomputed in full by every run from
    int_customer_months_aggregated.
-#}
with

customer_months as (

    select * from {{ ref('int_customer_months_aggregated') }}

),

as_of as (

    select snapshot_date as as_of_date
    from {{ ref('int_snapshot_dates') }}
    where is_as_of_date

),

cohort_sizes as (

    select
        first_purchase_month as cohort_month,
        count(distinct customer_id) as cohort_customers

    from customer_months
    where first_purchase_month is not null
    group by first_purchase_month

),

bounds as (

    select
        min(cohort_sizes.cohort_month) as first_month,
        min(as_of.as_of_date) as as_of_date

    from cohort_sizes
    cross join as_of

),

months as (

    {{ strata_month_starts('first_month', 'as_of_date', 'bounds') }}

),

cells as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        months.month_start as activity_month

    from cohort_sizes
    inner join months
        on cohort_sizes.cohort_month <= months.month_start

),

cohort_activity as (

    select
        first_purchase_month as cohort_month,
        activity_month,
        sum(case when purchases > 0 then 1 else 0 end) as active_customers,
        sum(net_amount) as net_revenue

    from customer_months
    where activity_month >= first_purchase_month
    group by first_purchase_month, activity_month

),

retention as (

    select
        cells.cohort_month,
        cast({{ dbt.datediff('cells.cohort_month', 'cells.activity_month', 'month') }} as integer) as months_since_first_purchase,  -- noqa: LT05
        cells.activity_month,
        cast(cells.cohort_customers as bigint) as cohort_customers,
        cast(coalesce(cohort_activity.active_customers, 0) as bigint) as active_customers,
        cast(coalesce(cohort_activity.active_customers, 0) as {{ strata_type_double() }})
        / cells.cohort_customers as retention_rate,
        cast(coalesce(cohort_activity.net_revenue, 0) as {{ dbt.type_numeric() }}) as net_revenue,
        cast(
            sum(coalesce(cohort_activity.net_revenue, 0)) over (
                partition by cells.cohort_month
                order by cells.activity_month
                rows between unbounded preceding and current row
            ) as {{ strata_type_double() }}
        ) / cells.cohort_customers as cumulative_net_revenue_per_customer

    from cells
    left join cohort_activity
        on
            cells.cohort_month = cohort_activity.cohort_month
            and cells.activity_month = cohort_activity.activity_month

)

select * from retention
