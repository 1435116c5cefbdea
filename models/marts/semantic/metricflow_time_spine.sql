{#-
    MetricFlow's daily time spine (docs: _semantic__models.yml). A fixed calendar, 1970-01-01 to
    2099-12-31 (47,482 rows, built in well under a second), so that no data set falls outside
    it and it never has to be rebuilt when the data grows.
-#}
with

days as (

    {{ dbt.date_spine('day', "cast('1970-01-01' as date)", "cast('2100-01-01' as date)") }}

),

spine as (

    select cast(date_day as date) as date_day
    from days

)

select * from spine
