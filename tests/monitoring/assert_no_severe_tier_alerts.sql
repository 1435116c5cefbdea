{{ config(severity='warn') }}
-- The severe key-customer alerts of fct_tier_alerts (severity_score >= var alert_severe_score):
-- warns in every build, never fails it, so each run's log says how many key customers worsened
-- ("Got N results") and names the first 20 by severity_rank, for the account teams.
{%- set failing -%}
    with

    alerts as (

        select * from {{ ref('fct_tier_alerts') }}

    ),

    severe_alerts as (

        select
            customer_id,
            severity_rank,
            customer_id || ' (' || coalesce(from_tier, '-') || ' -> ' || coalesce(to_tier, '-')
            || ', ' || coalesce(from_lifecycle_stage, '-') || ' -> ' || to_lifecycle_stage
            || ')' as alert

        from alerts
        where severity = 'severe'

    )

    select * from severe_alerts
    order by severity_rank
{%- endset %}
{{ strata_say_failing_rows(failing, 'severe key-customer alerts in fct_tier_alerts, most severe first:', 'alert') }}
