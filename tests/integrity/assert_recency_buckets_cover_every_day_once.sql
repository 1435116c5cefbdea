-- Every recency_days value from 0 to the largest one seen (and at least 3660) falls in exactly
-- one bucket of seeds/recency_buckets.csv. Returns each uncovered or doubly covered day count.

with

recency_buckets as (

    select * from {{ ref('recency_buckets') }}

),

customer_rfm as (

    select * from {{ ref('fct_customer_tier_history') }}

),

bounds as (

    select greatest(coalesce(max(recency_days), 0), 3660) as max_days
    from customer_rfm

),

day_counts as (

    select cast(numbers.generated_number - 1 as integer) as recency_days
    from ({{ dbt.generate_series(100000) }}) as numbers
    cross join bounds
    where numbers.generated_number - 1 <= bounds.max_days

),

coverage as (

    select
        day_counts.recency_days,
        count(recency_buckets.recency_bucket) as buckets

    from day_counts
    left join recency_buckets
        on
            day_counts.recency_days >= recency_buckets.min_days
            and (day_counts.recency_days <= recency_buckets.max_days or recency_buckets.max_days is null)
    group by day_counts.recency_days

)

select * from coverage
where buckets <> 1
