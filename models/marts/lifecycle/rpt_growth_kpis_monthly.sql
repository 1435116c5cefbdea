{#-
    Growth KPIs per calendar month, by AARRR stage (definitions:
    models/marts/lifecycle/_lifecycle__docs.md). A plain table: one row per month, recomputed in
    full by every run.
-#}
with

customer_months as (

    select * from {{ ref('int_customer_months_aggregated') }}

),

first_seen as (

    select * from {{ ref('int_customer_first_seen') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

transitions as (

    select * from {{ ref('fct_lifecycle_transitions') }}

),

as_of as (

    select snapshot_date as as_of_date
    from {{ ref('int_snapshot_dates') }}
    where is_as_of_date

),

signups as (

    select
        first_seen.customer_id,
        first_seen.signup_date,
        cast({{ dbt.date_trunc('month', 'first_seen.signup_date') }} as date) as signup_month

    from first_seen
    inner join as_of
        on first_seen.signup_date <= as_of.as_of_date

),

activated as (

    select distinct signups.customer_id

    from signups
    inner join transactions
        on signups.customer_id = transactions.customer_id
    inner join as_of
        on transactions.transaction_date <= as_of.as_of_date
    where
        transactions.is_purchase
        and transactions.transaction_date >= signups.signup_date
        and transactions.transaction_date
        <= {{ dbt.dateadd('day', var('activation_days'), 'signups.signup_date') }}

),

signups_per_month as (

    select
        signups.signup_month as month_start,
        count(*) as signups,
        count(activated.customer_id) as activated_signups

    from signups
    left join activated
        on signups.customer_id = activated.customer_id
    group by signups.signup_month

),

buyers_per_month as (

    select
        activity_month as month_start,
        sum(case when purchases > 0 and first_purchase_month = activity_month then 1 else 0 end) as new_buyers,
        sum(case when purchases > 0 then 1 else 0 end) as active_buyers,
        sum(case when purchases > 0 and first_purchase_month < activity_month then 1 else 0 end) as repeat_buyers,
        sum(purchases) as purchases,
        sum(purchase_amount) as purchase_amount,
        sum(net_amount) as net_revenue

    from customer_months
    group by activity_month

),

transitions_by_month as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start

    from transitions

),

stage_changes_per_month as (

    select
        month_start,
        sum(case when to_stage = 'churned' and from_stage <> 'churned' then customers else 0 end)
            as churned_customers,
        sum(case when to_stage = 'reactivated' then customers else 0 end) as reactivated_customers

    from transitions_by_month
    group by month_start

),

bounds as (

    select
        min(first_seen.first_seen_date) as first_date,
        min(as_of.as_of_date) as as_of_date

    from first_seen
    inner join as_of
        on first_seen.first_seen_date <= as_of.as_of_date

),

months as (

    {{ strata_month_starts('first_date', 'as_of_date', 'bounds') }}

),

growth_kpis as (

    select
        months.month_start as month,  -- noqa: RF04
        {{ dbt.last_day('months.month_start', 'month') }} <= bounds.as_of_date as is_complete_month,
        cast(coalesce(signups_per_month.signups, 0) as bigint) as signups,
        cast(coalesce(buyers_per_month.new_buyers, 0) as bigint) as new_buyers,
        cast(coalesce(signups_per_month.activated_signups, 0) as bigint) as activated_signups,
        cast(signups_per_month.activated_signups as {{ strata_type_double() }})
        / nullif(signups_per_month.signups, 0) as activation_rate,
        cast(coalesce(buyers_per_month.active_buyers, 0) as bigint) as active_buyers,
        cast(coalesce(buyers_per_month.repeat_buyers, 0) as bigint) as repeat_buyers,
        cast(buyers_per_month.repeat_buyers as {{ strata_type_double() }})
        / nullif(buyers_per_month.active_buyers, 0) as repeat_purchase_rate,
        cast(coalesce(buyers_per_month.purchases, 0) as bigint) as purchases,
        cast(coalesce(buyers_per_month.net_revenue, 0) as {{ dbt.type_numeric() }}) as net_revenue,
        cast(buyers_per_month.net_revenue as {{ strata_type_double() }})
        / nullif(buyers_per_month.active_buyers, 0) as arpu,
        cast(buyers_per_month.purchase_amount as {{ strata_type_double() }})
        / nullif(buyers_per_month.purchases, 0) as average_order_value,
        cast(coalesce(stage_changes_per_month.churned_customers, 0) as bigint) as churned_customers,
        cast(coalesce(stage_changes_per_month.reactivated_customers, 0) as bigint) as reactivated_customers

    from months
    cross join bounds
    left join signups_per_month
        on months.month_start = signups_per_month.month_start
    left join buyers_per_month
        on months.month_start = buyers_per_month.month_start
    left join stage_changes_per_month
        on months.month_start = stage_changes_per_month.month_start

)

select * from growth_kpis
