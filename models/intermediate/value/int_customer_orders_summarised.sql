{#-
    One row per customer with an order on or before as_of_date: the historic value and the BTYD
    summary (repeat_purchases, recency_periods, age_periods, avg_repeat_spend) the value models
    are fitted to and score (definitions: models/marts/value/_value__docs.md; an order: docs
    block order in models/docs.md). Orders on the same date make one order day. A plain table,
    recomputed in full by every run.
-#}
with

transactions as (

    select * from {{ ref('fct_transactions') }}

),

as_of as (

    select snapshot_date as as_of_date
    from {{ ref('int_snapshot_dates') }}
    where is_as_of_date

),

transactions_to_date as (

    select
        transactions.customer_id,
        transactions.transaction_date,
        transactions.amount,
        as_of.as_of_date

    from transactions
    inner join as_of
        on transactions.transaction_date <= as_of.as_of_date

),

order_days as (

    select
        customer_id,
        transaction_date as order_date,
        count(*) as orders,
        sum(amount) as spend

    from transactions_to_date
    where {{ strata_is_order('amount') }}
    group by customer_id, transaction_date

),

order_days_numbered as (

    select
        *,
        min(order_date) over (partition by customer_id) as first_order_date

    from order_days

),

customer_orders as (

    select
        customer_id,
        min(first_order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as order_days,
        sum(orders) as orders,
        sum(spend) as order_amount,
        sum(case when order_date > first_order_date then spend end) as repeat_order_amount

    from order_days_numbered
    group by customer_id

),

net_revenue as (

    select
        customer_id,
        min(as_of_date) as as_of_date,
        sum(amount) as net_revenue

    from transactions_to_date
    group by customer_id

),

measured as (

    select
        customer_orders.customer_id,
        cast(customer_orders.orders as bigint) as orders,
        cast(customer_orders.order_days as bigint) as order_days,
        cast(customer_orders.order_days - 1 as bigint) as repeat_purchases,
        cast(net_revenue.net_revenue as {{ dbt.type_numeric() }}) as net_revenue,
        cast(customer_orders.order_amount as {{ strata_type_double() }})
        / customer_orders.orders as average_order_value,
        cast(customer_orders.repeat_order_amount as {{ strata_type_double() }})
        / nullif(customer_orders.order_days - 1, 0) as avg_repeat_spend,
        cast(
            {{ dbt.datediff('customer_orders.first_order_date', 'customer_orders.last_order_date', 'day') }}
            as integer
        ) as order_span_days,
        cast(
            {{ dbt.datediff('customer_orders.first_order_date', 'net_revenue.as_of_date', 'day') }}
            as integer
        ) as tenure_days,
        net_revenue.as_of_date,
        customer_orders.first_order_date,
        customer_orders.last_order_date

    from customer_orders
    inner join net_revenue
        on customer_orders.customer_id = net_revenue.customer_id

),

summarised as (

    select
        customer_id,
        orders,
        order_days,
        repeat_purchases,
        net_revenue,
        average_order_value,
        avg_repeat_spend,
        order_span_days,
        tenure_days,
        {{ strata_clv_periods('order_span_days') }} as recency_periods,
        {{ strata_clv_periods('tenure_days') }} as age_periods,
        as_of_date,
        first_order_date,
        last_order_date

    from measured

)

select * from summarised
