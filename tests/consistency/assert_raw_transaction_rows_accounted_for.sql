-- Every raw transaction row ends in exactly one place: fct_transactions, a quarantined row
-- (counted raw_rows times) or a collapsed exact duplicate. Returns a row when the counts differ.

with

raw_transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

validated_transactions as (

    select * from {{ ref('int_transactions_validated') }}

),

clean_transactions as (

    select * from {{ ref('fct_transactions') }}

),

quarantined_transactions as (

    select * from {{ ref('fct_transactions_quarantined') }}

),

counts as (

    select
        (select count(*) from raw_transactions) as raw_rows,
        (select count(*) from clean_transactions) as clean_rows,
        (select coalesce(sum(raw_rows), 0) from quarantined_transactions) as quarantined_rows,
        (
            select coalesce(sum(duplicate_rows), 0) from validated_transactions
            where reject_reason is null
        ) as collapsed_duplicate_rows

)

select * from counts
where raw_rows <> clean_rows + quarantined_rows + collapsed_duplicate_rows
