{#-
    Customers moving between lifecycle stages from one snapshot to the next (definitions:
    models/marts/lifecycle/_lifecycle__docs.md). A plain table: a few dozen rows per snapshot,
    recomputed in full by every run from fct_customer_lifecycle_history.
-#}
with

lifecycle_history as (

    select * from {{ ref('fct_customer_lifecycle_history') }}

),

moves as (

    select
        snapshot_date,
        previous_snapshot_date,
        coalesce(previous_lifecycle_stage, 'unseen') as from_stage,
        lifecycle_stage as to_stage,
        count(*) as customers

    from lifecycle_history
    group by 1, 2, 3, 4

),

transitions as (

    select
        snapshot_date,
        previous_snapshot_date,
        from_stage,
        to_stage,
        cast(customers as bigint) as customers,
        cast(sum(customers) over (partition by snapshot_date, from_stage) as bigint) as from_stage_customers,
        cast(customers as {{ strata_type_double() }})
        / sum(customers) over (partition by snapshot_date, from_stage) as share_of_from_stage

    from moves

)

select * from transitions
