{#-
    One row per calendar month and acquisition channel, from the month of the first marketing
    spend to the month of as_of_date: new buyers, spend, CAC, their value (predicted and
    historic) against CAC, and months to pay back (definitions:
    models/marts/economics/_economics__docs.md). Empty without a marketing_spend file. A plain
    table: months x channels.
-#}
-- Built after the quarantine limit tests of the raw marketing spend:
-- depends_on: {{ ref('fct_marketing_spend_quarantined') }}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

customer_value as (

    select * from {{ ref('fct_customer_value') }}

),

validated_spend as (

    select * from {{ ref('int_marketing_spend_validated') }}

),

customer_months as (

    select * from {{ ref('int_customer_months_aggregated') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

as_of as (

    select
        snapshot_date as as_of_date,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as as_of_month

    from snapshot_dates
    where is_as_of_date

),

spend_rows as (

    select
        validated_spend.channel,
        validated_spend.amount,
        cast({{ dbt.date_trunc('month', 'validated_spend.spent_on') }} as date) as month_start

    from validated_spend
    cross join as_of
    where
        validated_spend.reject_reason is null
        and validated_spend.spent_on <= as_of.as_of_date

),

spend_per_month as (

    select
        month_start,
        channel,
        sum(amount) as spend

    from spend_rows
    group by month_start, channel

),

bounds as (

    select
        min(spend_rows.month_start) as first_month,
        max(as_of.as_of_month) as as_of_month

    from spend_rows
    cross join as_of
    having count(*) > 0

),

months as (

    {{ strata_month_starts('first_month', 'as_of_month', 'bounds') }}

),

new_buyers as (

    select
        customers.customer_id,
        coalesce(customers.acquisition_channel, 'unknown') as channel,
        customers.first_purchase_date,
        cast({{ dbt.date_trunc('month', 'customers.first_purchase_date') }} as date) as month_start,
        customer_value.predicted_clv

    from customers
    left join customer_value
        on customers.customer_id = customer_value.customer_id
    where customers.first_purchase_date is not null

),

channels as (

    select channel from spend_per_month
    union
    select new_buyers.channel
    from new_buyers
    inner join bounds
        on new_buyers.month_start >= bounds.first_month

),

-- Each new buyer's net revenue in the 90, 180 and 365 days from the first purchase date.
buyer_windows as (

    select
        new_buyers.customer_id,
        sum(case
            when transactions.transaction_date <= {{ dbt.dateadd('day', 89, 'new_buyers.first_purchase_date') }}
                then transactions.amount
            else 0
        end) as net_revenue_90d,
        sum(case
            when transactions.transaction_date <= {{ dbt.dateadd('day', 179, 'new_buyers.first_purchase_date') }}
                then transactions.amount
            else 0
        end) as net_revenue_180d,
        sum(transactions.amount) as net_revenue_365d

    from new_buyers
    inner join transactions
        on
            new_buyers.customer_id = transactions.customer_id
            and new_buyers.first_purchase_date <= transactions.transaction_date
            and {{ dbt.dateadd('day', 364, 'new_buyers.first_purchase_date') }} >= transactions.transaction_date
    group by new_buyers.customer_id

),

buyers_per_month as (

    select
        new_buyers.month_start,
        new_buyers.channel,
        count(*) as new_buyers,
        avg(cast(new_buyers.predicted_clv as {{ strata_type_double() }})) as avg_predicted_clv,
        avg(cast(coalesce(buyer_windows.net_revenue_90d, 0) as {{ strata_type_double() }})) as avg_net_revenue_90d,
        avg(cast(coalesce(buyer_windows.net_revenue_180d, 0) as {{ strata_type_double() }})) as avg_net_revenue_180d,
        avg(cast(coalesce(buyer_windows.net_revenue_365d, 0) as {{ strata_type_double() }})) as avg_net_revenue_365d

    from new_buyers
    left join buyer_windows
        on new_buyers.customer_id = buyer_windows.customer_id
    group by new_buyers.month_start, new_buyers.channel

),

-- The net revenue of each month's new buyers in every later month, cumulated.
cohort_revenue as (

    select
        new_buyers.month_start,
        new_buyers.channel,
        customer_months.activity_month,
        sum(customer_months.net_amount) as net_revenue

    from new_buyers
    inner join customer_months
        on
            new_buyers.customer_id = customer_months.customer_id
            and new_buyers.month_start <= customer_months.activity_month
    group by new_buyers.month_start, new_buyers.channel, customer_months.activity_month

),

cohort_cumulative as (

    select
        month_start,
        channel,
        activity_month,
        sum(net_revenue) over (
            partition by month_start, channel
            order by activity_month
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue

    from cohort_revenue

),

grid as (

    select
        months.month_start,
        channels.channel,
        coalesce(buyers_per_month.new_buyers, 0) as new_buyers,
        coalesce(spend_per_month.spend, 0) as spend,
        buyers_per_month.avg_predicted_clv,
        buyers_per_month.avg_net_revenue_90d,
        buyers_per_month.avg_net_revenue_180d,
        buyers_per_month.avg_net_revenue_365d

    from months
    cross join channels
    left join spend_per_month
        on
            months.month_start = spend_per_month.month_start
            and channels.channel = spend_per_month.channel
    left join buyers_per_month
        on
            months.month_start = buyers_per_month.month_start
            and channels.channel = buyers_per_month.channel

),

with_cac as (

    select
        *,
        case
            when new_buyers > 0 then cast(spend as {{ strata_type_double() }}) / new_buyers
        end as cac

    from grid

),

paybacks as (

    select
        with_cac.month_start,
        with_cac.channel,
        min({{ dbt.datediff('with_cac.month_start', 'cohort_cumulative.activity_month', 'month') }}) + 1
            as months_to_payback

    from with_cac
    inner join cohort_cumulative
        on
            with_cac.month_start = cohort_cumulative.month_start
            and with_cac.channel = cohort_cumulative.channel
    where with_cac.new_buyers > 0 and cohort_cumulative.cumulative_net_revenue >= with_cac.spend
    group by with_cac.month_start, with_cac.channel

),

unit_economics as (

    select
        with_cac.month_start as month,  -- noqa: RF04
        with_cac.channel,
        cast(with_cac.new_buyers as bigint) as new_buyers,
        cast(with_cac.spend as {{ dbt.type_numeric() }}) as spend,
        cast(with_cac.cac as {{ strata_type_double() }}) as cac,
        cast(with_cac.avg_predicted_clv as {{ strata_type_double() }}) as avg_predicted_clv,
        cast(with_cac.avg_predicted_clv / nullif(with_cac.cac, 0) as {{ strata_type_double() }}) as clv_to_cac,
        cast(case
            when {{ dbt.dateadd('day', 89, dbt.last_day('with_cac.month_start', 'month')) }} <= as_of.as_of_date
                then with_cac.avg_net_revenue_90d
        end as {{ strata_type_double() }}) as avg_net_revenue_90d,
        cast(case
            when {{ dbt.dateadd('day', 179, dbt.last_day('with_cac.month_start', 'month')) }} <= as_of.as_of_date
                then with_cac.avg_net_revenue_180d
        end as {{ strata_type_double() }}) as avg_net_revenue_180d,
        cast(case
            when {{ dbt.dateadd('day', 364, dbt.last_day('with_cac.month_start', 'month')) }} <= as_of.as_of_date
                then with_cac.avg_net_revenue_365d
        end as {{ strata_type_double() }}) as avg_net_revenue_365d,
        cast(paybacks.months_to_payback as integer) as months_to_payback,
        as_of.as_of_date

    from with_cac
    cross join as_of
    left join paybacks
        on
            with_cac.month_start = paybacks.month_start
            and with_cac.channel = paybacks.channel

)

select * from unit_economics
