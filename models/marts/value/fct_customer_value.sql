{#-
    One row per customer with an order on or before as_of_date: historic value, the BTYD
    summary, the predictions of the value models, churn risk and value tier (definitions:
    models/marts/value/_value__docs.md). A plain table, recomputed in full by every run; the
    Python models before it fit (int_value_model_fit) and score (int_customer_value_scored).
-#}
{%- set churn_risk = strata_churn_risk_thresholds() %}
with

summarised as (

    select * from {{ ref('int_customer_orders_summarised') }}

),

scored as (

    select * from {{ ref('int_customer_value_scored') }}

),

customer_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

tier_bands as (

    select * from {{ ref('rfm_tier_bands') }}
    where rfm_bins = {{ strata_rfm_bins() }}

),

value_tiers as (

    select * from {{ ref('clv_value_tiers') }}

),

tiers_from_best as (

    select
        tier,
        row_number() over (order by tier_rank desc) as place_from_best

    from tier_bands

),

valued as (

    select
        summarised.*,
        customer_rfm.tier,
        coalesce(tiers_from_best.place_from_best <= 2, false) as is_in_two_best_tiers,
        scored.p_alive,
        scored.expected_purchases,
        scored.expected_avg_spend,
        scored.predicted_clv,
        case
            when scored.predicted_clv is not null
                then percent_rank() over (
                    partition by scored.predicted_clv is null
                    order by scored.predicted_clv
                )
        end as clv_quantile

    from summarised
    left join scored
        on summarised.customer_id = scored.customer_id
    left join customer_rfm
        on summarised.customer_id = customer_rfm.customer_id
    left join tiers_from_best
        on customer_rfm.tier = tiers_from_best.tier

),

customer_value as (

    select
        valued.customer_id,
        valued.tier,
        case
            when valued.p_alive < {{ churn_risk.high }} then 'high'
            when valued.p_alive < {{ churn_risk.medium }} then 'medium'
            when valued.p_alive is not null then 'low'
        end as churn_risk,
        value_tiers.value_tier,
        valued.orders,
        valued.order_days,
        valued.repeat_purchases,
        valued.net_revenue,
        valued.average_order_value,
        valued.tenure_days,
        valued.recency_periods,
        valued.age_periods,
        valued.avg_repeat_spend,
        valued.p_alive,
        valued.expected_purchases,
        valued.expected_avg_spend,
        valued.predicted_clv,
        valued.clv_quantile,
        value_tiers.value_tier_rank,
        case
            when valued.p_alive is not null
                then
                    valued.is_in_two_best_tiers
                    and valued.p_alive < {{ strata_number_var('high_value_at_risk_p_alive', 0, 1) }}
        end as high_value_at_risk,
        valued.as_of_date,
        valued.first_order_date,
        valued.last_order_date

    from valued
    left join value_tiers
        on
            valued.clv_quantile >= value_tiers.min_quantile
            and (
                valued.clv_quantile < value_tiers.max_quantile
                or (valued.clv_quantile = 1 and value_tiers.max_quantile = 1)
            )

)

select * from customer_value
