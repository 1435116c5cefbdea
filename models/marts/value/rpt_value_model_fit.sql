{#-
    The fit of the customer value models at as_of_date, one row per model and parameter
    (definitions: models/marts/value/_value__docs.md): the rows of the Python model
    int_value_model_fit, typed for the contract.
-#}
with

model_fit as (

    select * from {{ ref('int_value_model_fit') }}

),

typed as (

    select
        cast(model as {{ dbt.type_string() }}) as model,  -- noqa: RF04
        cast(parameter as {{ dbt.type_string() }}) as parameter,
        cast(time_unit as {{ dbt.type_string() }}) as time_unit,
        cast(message as {{ dbt.type_string() }}) as message,
        cast(estimate as {{ strata_type_double() }}) as estimate,
        cast(log_likelihood as {{ strata_type_double() }}) as log_likelihood,
        cast(customers as bigint) as customers,
        cast(fit_seconds as {{ strata_type_double() }}) as fit_seconds,
        cast(converged as boolean) as converged,
        cast(as_of_date as date) as as_of_date

    from model_fit

)

select * from typed
