with

validated_events as (

    select * from {{ ref('int_events_validated') }}

),

valid_events as (

    select
        event_id,
        customer_id,
        event_type,
        event_name,
        cast(occurred_at as date) as event_date,
        occurred_at

    from validated_events
    where reject_reason is null

)

select * from valid_events
