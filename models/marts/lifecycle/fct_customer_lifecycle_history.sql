{{
    config(
        materialized=strata_incremental_materialization(),
        pre_hook="{{ strata_delete_recomputed_snapshots() }}",
        meta={'strata_rule_vars': [
            'new_customer_days', 'churn_days', 'at_risk_min_days', 'at_risk_gap_multiple',
            'one_time_buyer_at_risk_days',
        ]},
    )
}}
{#-
    One row per customer and snapshot, from the first snapshot on or after the customer's
    first_seen_date: the lifecycle stage at the snapshot, its inputs, the stage at the previous
    snapshot and the tier. Definitions: models/marts/lifecycle/_lifecycle__docs.md.

    Two kinds of rows. A customer with a valid transaction on or before the snapshot has a row in
    the customer x snapshot spine int_customer_snapshots_accumulated (running purchase days,
    first / last purchase, the purchase day before the period and the first one in it). A
    customer seen only by a signup or an event so far is a prospect: those rows come from
    int_customer_first_seen and the calendar, before the snapshot of its first transaction. So
    the spine is not joined to the calendar a second time.

    previous_lifecycle_stage: a prospect's stage is always 'prospect', so the stage at the previous
    snapshot is looked up (a self-join) only for the rows with transactions, among the rows with
    transactions. Where the previous snapshot comes before the customer's first transaction, the
    previous stage is 'prospect' when the customer was seen by then, else null; this keeps the
    prospect rows (41% at 10M transactions) out of the join (DECISIONS.md "Lifecycle stages on
    the tier history's spine"). A row with transactions whose previous row is missing gets null,
    which the model's consistency test catches.

    is_reactivated compares the first purchase day of the period with the purchase day before
    the period. A gap between two purchase days inside one period would count too, but a period
    lies within one calendar month (at most 30 days between two of its days), so it cannot
    exceed churn_days, which must be at least 30 (checked below).

    Incremental by snapshot date, like fct_customer_tier_history: the snapshots from the recompute
    date on are computed again; the stage at the last snapshot kept comes from the stored rows. A
    changed threshold var rebuilds it in full (meta strata_rule_vars).
-#}
{%- if var('churn_days') | int < 30 -%}
    {{ exceptions.raise_compiler_error(
        "Strata: var churn_days is " ~ var('churn_days') ~ "; it must be at least 30 (days): the "
        ~ "lifecycle stages are taken at monthly snapshots (models/marts/lifecycle/_lifecycle__docs.md)."
    ) }}
{%- endif %}
{%- set recompute_from = strata_recompute_from_date() %}

with

first_seen as (

    select * from {{ ref('int_customer_first_seen') }}
    where first_seen_date is not null

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}
    where snapshot_date >= {{ recompute_from }}

),

accumulated as (

    select * from {{ ref('int_customer_snapshots_accumulated') }}
    where snapshot_date >= {{ recompute_from }}

),

tier_history as (

    select * from {{ ref('fct_customer_tier_history') }}
    where snapshot_date >= {{ recompute_from }}

),

with_transactions as (

    select
        accumulated.customer_id,
        accumulated.snapshot_date,
        accumulated.previous_snapshot_date,
        first_seen.first_seen_date,
        first_seen.first_transaction_date,
        tier_history.tier,
        cast(accumulated.purchase_days as bigint) as purchase_days,
        accumulated.first_purchase_date,
        accumulated.last_purchase_date,
        coalesce(
            {{ dbt.datediff('accumulated.previous_purchase_date', 'accumulated.period_first_purchase_date', 'day') }}
            > {{ var('churn_days') }},
            false
        ) as is_reactivated,
        true as has_transactions

    from accumulated
    inner join first_seen
        on accumulated.customer_id = first_seen.customer_id
    left join tier_history
        on
            accumulated.customer_id = tier_history.customer_id
            and accumulated.snapshot_date = tier_history.snapshot_date

),

before_transactions as (

    select
        first_seen.customer_id,
        snapshot_dates.snapshot_date,
        snapshot_dates.previous_snapshot_date,
        first_seen.first_seen_date,
        first_seen.first_transaction_date,
        cast(null as {{ dbt.type_string() }}) as tier,
        cast(0 as bigint) as purchase_days,
        cast(null as date) as first_purchase_date,
        cast(null as date) as last_purchase_date,
        false as is_reactivated,
        false as has_transactions

    from first_seen
    inner join snapshot_dates
        on first_seen.first_seen_date <= snapshot_dates.snapshot_date
    where
        first_seen.first_transaction_date is null
        or snapshot_dates.snapshot_date < first_seen.first_transaction_date

),

measured as (

    select
        *,
        cast({{ dbt.datediff('last_purchase_date', 'snapshot_date', 'day') }} as integer) as recency_days,  -- noqa: LT05
        cast({{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }} as integer) as purchase_span_days  -- noqa: LT05

    from (
        select * from with_transactions
        union all
        select * from before_transactions
    ) as spine

),

staged as (

    select
        *,
        case
            when purchase_days = 0 then 'prospect'
            when
                {{ dbt.datediff('first_purchase_date', 'snapshot_date', 'day') }}
                <= {{ var('new_customer_days') }}
                then 'new'
            when recency_days > {{ var('churn_days') }} then 'churned'
            when is_reactivated then 'reactivated'
            when purchase_days >= 2
                then
                    case
                        when
                            recency_days > {{ var('at_risk_min_days') }}
                            and recency_days * (purchase_days - 1)
                            > {{ var('at_risk_gap_multiple') }} * purchase_span_days
                            then 'at_risk'
                        else 'active'
                    end
            when recency_days > {{ var('one_time_buyer_at_risk_days') }} then 'at_risk'
            else 'active'
        end as lifecycle_stage

    from measured

),

stored_stages as (

    {{ strata_rows_at_last_kept_snapshot({
        'customer_id': dbt.type_string(),
        'lifecycle_stage': dbt.type_string(),
        'snapshot_date': 'date',
    }) }}

),

known_stages as (

    select
        customer_id,
        lifecycle_stage,
        snapshot_date

    from staged
    where has_transactions

    union all

    select
        customer_id,
        lifecycle_stage,
        snapshot_date

    from stored_stages

),

with_known_previous_stages as (

    select
        staged.*,
        previous_stages.lifecycle_stage as known_previous_stage

    from staged
    left join known_stages as previous_stages
        on
            staged.customer_id = previous_stages.customer_id
            and staged.previous_snapshot_date = previous_stages.snapshot_date
    where staged.has_transactions

    union all

    select
        *,
        cast(null as {{ dbt.type_string() }}) as known_previous_stage

    from staged
    where not has_transactions

),

lifecycle_history as (

    select
        customer_id,
        snapshot_date,
        previous_snapshot_date,
        first_seen_date,
        lifecycle_stage,
        coalesce(
            known_previous_stage,
            case
                when
                    first_seen_date <= previous_snapshot_date
                    and (first_transaction_date is null or previous_snapshot_date < first_transaction_date)
                    then 'prospect'
            end
        ) as previous_lifecycle_stage,
        tier,
        purchase_days,
        first_purchase_date,
        last_purchase_date,
        recency_days,
        cast(
            case
                when purchase_days >= 2
                    then cast(purchase_span_days as {{ strata_type_double() }}) / (purchase_days - 1)
            end as {{ strata_type_double() }}
        ) as mean_purchase_gap_days,
        is_reactivated

    from with_known_previous_stages

)

select * from lifecycle_history
