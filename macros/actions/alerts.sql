{#-
    The key-customer alert rules (definitions: models/marts/actions/_actions__docs.md), each in
    one place: the health of a lifecycle stage and the vars of the severity score, checked here.
-#}

{#- A lifecycle stage's health: new, active and reactivated 3, at_risk 2, churned 1; none for a
    prospect (a customer never becomes a prospect again). A stage worsens when its health falls. -#}
{% macro strata_lifecycle_stage_health(stage) %}
    case
        when {{ stage }} in ('new', 'active', 'reactivated') then 3
        when {{ stage }} = 'at_risk' then 2
        when {{ stage }} = 'churned' then 1
    end
{% endmacro %}

{#- The alert vars, checked: points are numbers >= 0, alert_severe_score >= alert_moderate_score
    >= 0. -#}
{% macro strata_alert_settings() %}
    {%- set settings = {
        'stage_drop_points': strata_number_var('alert_stage_drop_points', 0),
        'high_value_at_risk_points': strata_number_var('alert_high_value_at_risk_points', 0),
        'severe_score': strata_number_var('alert_severe_score', 0),
        'moderate_score': strata_number_var('alert_moderate_score', 0),
    } -%}
    {%- if settings.moderate_score > settings.severe_score -%}
        {{ exceptions.raise_compiler_error(
            "Strata: var alert_moderate_score (" ~ settings.moderate_score
            ~ ") must not be above alert_severe_score (" ~ settings.severe_score ~ ")."
        ) }}
    {%- endif -%}
    {{ return(settings) }}
{% endmacro %}
