with

validated_events as (

    select * from {{ ref('int_events_validated') }}

),

rejected_events as (

    select
        event_id,
        customer_id,
        event_type,
        event_name,
        occurred_at_text,
        reject_reason,
        raw_rows

    from validated_events
    where reject_reason is not null

)

select * from rejected_events
