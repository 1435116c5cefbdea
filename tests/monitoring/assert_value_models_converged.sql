{{ config(severity='warn') }}
-- The customer value models were fitted and converged at as_of_date (rpt_value_model_fit).
-- Warns, never fails the build: a model that was not fitted (fewer repeat buyers than
-- clv_min_repeat_buyers) or did not converge leaves the predictions that need it null in
-- fct_customer_value, and this names the model and says why.
{%- set failing -%}
    with

    model_fit as (

        select * from {{ ref('rpt_value_model_fit') }}

    ),

    not_converged as (

        select distinct
            model || ': ' || coalesce(message, 'did not converge')
            || ' (its predictions in fct_customer_value are null)' as problem

        from model_fit
        where not converged

    )

    select * from not_converged
{%- endset %}
{{ strata_say_failing_rows(failing, 'the customer value model is not usable at as_of_date:', 'problem') }}
