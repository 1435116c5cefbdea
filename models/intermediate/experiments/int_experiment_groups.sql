{#-
    Per campaign, variant and tier group (each tier at assignment, 'unscored', and 'all'): the
    assignments whose conversion window has ended by as_of_date, counted and summarised for the
    readout (definitions: models/marts/experiments/_experiments__docs.md); plus how many are
    still inside their window (pending_customers).
-#}
with

assignments as (

    select * from {{ ref('fct_campaign_assignments') }}

),

by_tier_group as (

    select
        campaign_id,
        variant,
        tier_at_assignment as tier_group,
        is_window_complete,
        is_converted,
        window_net_revenue

    from assignments

    union all

    select
        campaign_id,
        variant,
        'all' as tier_group,
        is_window_complete,
        is_converted,
        window_net_revenue

    from assignments

),

groups as (

    select
        campaign_id,
        variant,
        tier_group,
        sum(case when is_window_complete then 1 else 0 end) as customers,
        sum(case when is_window_complete and is_converted then 1 else 0 end) as converted_customers,
        sum(case when is_window_complete then 0 else 1 end) as pending_customers,
        sum(case when is_window_complete then window_net_revenue end) as net_revenue,
        avg(case when is_window_complete then cast(window_net_revenue as {{ strata_type_double() }}) end)
            as revenue_per_customer,
        var_samp(case when is_window_complete then cast(window_net_revenue as {{ strata_type_double() }}) end)
            as revenue_variance

    from by_tier_group
    group by campaign_id, variant, tier_group

)

select * from groups
