{#-
    The settings of the customer value model in this run, as one row: the vars, checked
    (macros/value/value_model_vars.sql), and as_of_date. The Python models int_value_model_fit
    and int_customer_value_scored read them here because a Python model cannot read a var at run
    time (its config is rendered when dbt parses the project).
-#}
with

as_of as (

    select snapshot_date as as_of_date
    from {{ ref('int_snapshot_dates') }}
    where is_as_of_date

),

settings as (

    select
        '{{ strata_clv_time_unit() }}' as time_unit,
        {{ strata_clv_periods('365.25 / 12') }} as periods_per_month,
        cast({{ strata_number_var('clv_horizon', min_value=0) }} as {{ strata_type_double() }}) as horizon_periods,
        cast(
            {{ strata_number_var('clv_monthly_discount_rate', min_value=0) }} as {{ strata_type_double() }}
        ) as monthly_discount_rate,
        cast({{ strata_number_var('clv_min_repeat_buyers', min_value=1, integer=true) }} as integer)
            as min_repeat_buyers,
        (select max(as_of.as_of_date) from as_of) as as_of_date

)

select * from settings
