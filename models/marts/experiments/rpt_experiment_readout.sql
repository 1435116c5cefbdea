{#-
    One row per campaign, variant and tier group (each tier at assignment, 'unscored', 'all'):
    the outcome of the assignments whose conversion window has ended by as_of_date, against the
    campaign's control group in the same tier group, with cost and ROI (definitions:
    models/marts/experiments/_experiments__docs.md). The statistics come from the Python model
    int_experiment_statistics.
-#}
{%- set min_group_size = strata_number_var('experiment_min_group_size', 1, integer=true) %}
with

groups as (

    select * from {{ ref('int_experiment_groups') }}

),

statistics as (

    select * from {{ ref('int_experiment_statistics') }}

),

campaigns as (

    select * from {{ ref('campaigns') }}

),

snapshot_dates as (

    select * from {{ ref('int_snapshot_dates') }}

),

controls as (

    select
        campaign_id,
        tier_group,
        customers as control_customers,
        converted_customers as control_converted_customers,
        revenue_per_customer as control_revenue_per_customer

    from groups
    where variant = 'control'

),

-- The customers contacted by the campaign: every variant but control, windows ended.
campaign_contacts as (

    select
        campaign_id,
        sum(customers) as contacted_customers

    from groups
    where variant <> 'control' and tier_group = 'all'
    group by campaign_id

),

costed as (

    select
        groups.campaign_id,
        campaigns.campaign_name,
        groups.variant,
        groups.tier_group,
        groups.customers,
        groups.pending_customers,
        groups.converted_customers,
        controls.control_customers,
        controls.control_converted_customers,
        groups.net_revenue,
        groups.revenue_per_customer,
        controls.control_revenue_per_customer,
        statistics.conversion_uplift,
        statistics.conversion_uplift_ci_low,
        statistics.conversion_uplift_ci_high,
        statistics.conversion_p_value,
        statistics.revenue_uplift,
        statistics.revenue_uplift_ci_low,
        statistics.revenue_uplift_ci_high,
        statistics.revenue_p_value,
        case
            when groups.variant <> 'control'
                then statistics.revenue_uplift * groups.customers
        end as incremental_revenue,
        case
            when groups.variant = 'control' then 0
            else
                groups.customers * campaigns.cost_per_contact
                + case
                    when campaign_contacts.contacted_customers > 0
                        -- a double, as the column is: a decimal quotient keeps 6 decimals on Spark
                        then
                            cast(campaigns.fixed_cost as {{ strata_type_double() }}) * groups.customers
                            / campaign_contacts.contacted_customers
                    else 0
                end
        end as campaign_cost,
        groups.variant = 'control' as is_control

    from groups
    inner join campaigns
        on groups.campaign_id = campaigns.campaign_id
    left join controls
        on
            groups.campaign_id = controls.campaign_id
            and groups.tier_group = controls.tier_group
    left join statistics
        on
            groups.campaign_id = statistics.campaign_id
            and groups.tier_group = statistics.tier_group
            and groups.variant = statistics.variant
    left join campaign_contacts
        on groups.campaign_id = campaign_contacts.campaign_id

),

readout as (

    select
        costed.campaign_id,
        costed.campaign_name,
        costed.variant,
        costed.tier_group,
        cast(costed.customers as bigint) as customers,
        cast(costed.pending_customers as bigint) as pending_customers,
        cast(costed.converted_customers as bigint) as converted_customers,
        cast(costed.control_customers as bigint) as control_customers,
        cast(costed.net_revenue as {{ dbt.type_numeric() }}) as net_revenue,
        cast(costed.converted_customers as {{ strata_type_double() }}) / nullif(costed.customers, 0) as conversion_rate,
        cast(costed.control_converted_customers as {{ strata_type_double() }}) / nullif(costed.control_customers, 0)
            as control_conversion_rate,
        cast(costed.revenue_per_customer as {{ strata_type_double() }}) as revenue_per_customer,
        cast(costed.control_revenue_per_customer as {{ strata_type_double() }}) as control_revenue_per_customer,
        cast(costed.conversion_uplift as {{ strata_type_double() }}) as conversion_uplift,
        cast(costed.conversion_uplift_ci_low as {{ strata_type_double() }}) as conversion_uplift_ci_low,
        cast(costed.conversion_uplift_ci_high as {{ strata_type_double() }}) as conversion_uplift_ci_high,
        cast(costed.conversion_p_value as {{ strata_type_double() }}) as conversion_p_value,
        cast(costed.revenue_uplift as {{ strata_type_double() }}) as revenue_uplift,
        cast(costed.revenue_uplift_ci_low as {{ strata_type_double() }}) as revenue_uplift_ci_low,
        cast(costed.revenue_uplift_ci_high as {{ strata_type_double() }}) as revenue_uplift_ci_high,
        cast(costed.revenue_p_value as {{ strata_type_double() }}) as revenue_p_value,
        cast(costed.incremental_revenue as {{ strata_type_double() }}) as incremental_revenue,
        cast(costed.campaign_cost as {{ strata_type_double() }}) as campaign_cost,
        cast(
            case
                when costed.campaign_cost > 0
                    then (costed.incremental_revenue - costed.campaign_cost) / costed.campaign_cost
            end as {{ strata_type_double() }}
        ) as roi,
        costed.is_control,
        coalesce(
            costed.customers < {{ min_group_size }}
            or (not costed.is_control and coalesce(costed.control_customers, 0) < {{ min_group_size }}),
            false
        ) as is_below_min_group_size,
        snapshot_dates.snapshot_date as as_of_date

    from costed
    inner join snapshot_dates
        on snapshot_dates.is_as_of_date

)

select * from readout
