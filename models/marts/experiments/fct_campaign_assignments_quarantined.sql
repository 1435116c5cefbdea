with

validated_assignments as (

    select * from {{ ref('int_campaign_assignments_validated') }}

),

rejected_assignments as (

    select
        customer_id,
        campaign_id,
        variant,
        assigned_at_text,
        reject_reason,
        raw_rows

    from validated_assignments
    where reject_reason is not null

)

select * from rejected_assignments
