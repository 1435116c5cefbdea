-- Built after the quarantine limit tests of the raw customers (models/marts/*/_*.yml):
-- depends_on: {{ ref('fct_customers_quarantined') }}
with

first_seen as (

    select * from {{ ref('int_customer_first_seen') }}

),

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

current_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

lifecycle_history as (

    select * from {{ ref('fct_customer_lifecycle_history') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

customer_profiles as (

    select
        customer_id,
        country

    from validated_customers
    where reject_reason is null

),

current_stages as (

    select
        lifecycle_history.customer_id,
        lifecycle_history.lifecycle_stage

    from lifecycle_history
    inner join snapshot_dates
        on lifecycle_history.snapshot_date = snapshot_dates.snapshot_date
    where snapshot_dates.is_as_of_date

),

customers as (

    select
        first_seen.customer_id,
        customer_profiles.country,
        current_rfm.tier as current_tier,
        current_rfm.segment as current_segment,
        current_rfm.rfm_cell as current_rfm_cell,
        current_stages.lifecycle_stage as current_lifecycle_stage,
        current_rfm.customer_id is not null as is_scored,
        customer_profiles.customer_id is not null as has_profile,
        first_seen.signup_date,
        first_seen.first_seen_date,
        current_rfm.first_purchase_date,
        current_rfm.last_purchase_date

    from first_seen
    left join customer_profiles
        on first_seen.customer_id = customer_profiles.customer_id
    left join current_rfm
        on first_seen.customer_id = current_rfm.customer_id
    left join current_stages
        on first_seen.customer_id = current_stages.customer_id

)

select * from customers
