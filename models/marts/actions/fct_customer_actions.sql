{#-
    One row per customer of dim_customers with a lifecycle stage at as_of_date: the play of seeds/tier_playbook.csv that the
    customer's current attributes select (the most specific matching row; docs block
    playbook_match). The test assert_tier_playbook_gives_one_play proves, before this table is
    written, that every combination of attributes that can occur selects exactly one row.
-#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

playbook as (

    select * from {{ ref('tier_playbook') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

customer_attributes as (

    select
        customer_id,
        current_tier as tier,
        current_segment as segment,
        current_lifecycle_stage as lifecycle_stage,
        current_usage_band as usage_band,
        churn_risk

    from customers
    -- first seen on or before as_of_date (the others are not customers yet at as_of_date)
    where current_lifecycle_stage is not null

),

matched as (

    select
        customer_attributes.customer_id,
        playbook.play_id,
        playbook.play,
        playbook.channel,
        playbook.service_level,
        case when playbook.play_id is not null then {{ strata_playbook_reason('playbook') }} end as reason,
        customer_attributes.tier,
        customer_attributes.segment,
        customer_attributes.lifecycle_stage,
        customer_attributes.usage_band,
        customer_attributes.churn_risk,
        playbook.priority,
        row_number() over (
            partition by customer_attributes.customer_id
            order by {{ strata_playbook_specificity('playbook') }} desc, playbook.play_id
        ) as match_order

    from customer_attributes
    left join playbook
        on {{ strata_playbook_matches('playbook', 'customer_attributes') }}

),

actions as (

    select
        matched.customer_id,
        matched.play_id,
        matched.play,
        matched.channel,
        matched.service_level,
        matched.reason,
        matched.tier,
        matched.segment,
        matched.lifecycle_stage,
        matched.usage_band,
        matched.churn_risk,
        matched.priority,
        snapshot_dates.snapshot_date as as_of_date

    from matched
    inner join snapshot_dates
        on snapshot_dates.is_as_of_date
    where matched.match_order = 1

)

select * from actions
