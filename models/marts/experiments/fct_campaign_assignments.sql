{#-
    One row per valid campaign assignment dated on or before as_of_date: the customer's tier at
    assignment and what the customer did in the campaign's conversion window (definitions:
    models/marts/experiments/_experiments__docs.md). A plain table: assignments are few, and a
    late transaction or a changed tier rewrites rows anywhere.
-#}
-- Built after the quarantine limit tests of the raw campaign assignments:
-- depends_on: {{ ref('fct_campaign_assignments_quarantined') }}
with

validated_assignments as (

    select * from {{ ref('int_campaign_assignments_validated') }}

),

campaigns as (

    select * from {{ ref('campaigns') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}

),

transactions as (

    select * from {{ ref('fct_transactions') }}

),

as_of as (

    select snapshot_date as as_of_date
    from snapshot_dates
    where is_as_of_date

),

assignments as (

    select
        validated_assignments.customer_id,
        validated_assignments.campaign_id,
        validated_assignments.variant,
        campaigns.conversion_window_days,
        as_of.as_of_date,
        validated_assignments.assigned_at,
        cast(validated_assignments.assigned_at as date) as assignment_date,
        {{ dbt.dateadd('day', 'campaigns.conversion_window_days', 'validated_assignments.assigned_at') }}
            as window_end_at

    from validated_assignments
    inner join campaigns
        on validated_assignments.campaign_id = campaigns.campaign_id
    cross join as_of
    where
        validated_assignments.reject_reason is null
        and cast(validated_assignments.assigned_at as date) <= as_of.as_of_date

),

-- The latest snapshot on or before each assignment date (none before the first snapshot).
assignment_snapshots as (

    select
        assignment_dates.assignment_date,
        max(snapshot_dates.snapshot_date) as snapshot_date

    from (select distinct assignment_date from assignments) as assignment_dates
    inner join snapshot_dates
        on assignment_dates.assignment_date >= snapshot_dates.snapshot_date
    group by assignment_dates.assignment_date

),

window_transactions as (

    select
        assignments.customer_id,
        assignments.campaign_id,
        max(case when transactions.is_purchase then 1 else 0 end) as has_purchase,
        sum(transactions.amount) as net_revenue

    from assignments
    inner join transactions
        on
            assignments.customer_id = transactions.customer_id
            and assignments.assigned_at < transactions.transacted_at
            and assignments.window_end_at >= transactions.transacted_at
            and assignments.as_of_date >= transactions.transaction_date
    group by assignments.customer_id, assignments.campaign_id

),

assignment_outcomes as (

    select
        assignments.customer_id,
        assignments.campaign_id,
        assignments.variant,
        coalesce(tier_history.tier, 'unscored') as tier_at_assignment,
        cast(assignments.conversion_window_days as integer) as conversion_window_days,
        cast(coalesce(window_transactions.net_revenue, 0) as {{ dbt.type_numeric() }}) as window_net_revenue,
        coalesce(window_transactions.has_purchase = 1, false) as is_converted,
        cast(assignments.window_end_at as date) <= assignments.as_of_date as is_window_complete,
        assignments.assignment_date,
        assignment_snapshots.snapshot_date as tier_snapshot_date,
        assignments.as_of_date,
        assignments.assigned_at,
        assignments.window_end_at

    from assignments
    left join assignment_snapshots
        on assignments.assignment_date = assignment_snapshots.assignment_date
    left join tier_history
        on
            assignments.customer_id = tier_history.customer_id
            and assignment_snapshots.snapshot_date = tier_history.snapshot_date
    left join window_transactions
        on
            assignments.customer_id = window_transactions.customer_id
            and assignments.campaign_id = window_transactions.campaign_id

)

select * from assignment_outcomes
