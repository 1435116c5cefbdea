{#-
    How a customer is matched to a row of seeds/tier_playbook.csv (docs block playbook_match in
    models/marts/actions/_actions__docs.md), used by fct_customer_actions and by the test that
    every combination of attributes gets exactly one play
    (tests/integrity/assert_tier_playbook_gives_one_play.sql).
-#}

{#- The attributes a playbook row can narrow a play by: columns of the seed, and of the relation
    of customers (or combinations) it is matched with. -#}
{% macro strata_playbook_attributes() %}
    {{ return(['tier', 'segment', 'lifecycle_stage', 'usage_band', 'churn_risk']) }}
{% endmacro %}

{#- A playbook row matches when each attribute it fills equals the customer's (an empty cell
    matches any value, none included). -#}
{% macro strata_playbook_matches(playbook, customers) %}
    {%- for attribute in strata_playbook_attributes() %}
        ({{ playbook }}.{{ attribute }} is null or {{ playbook }}.{{ attribute }} = {{ customers }}.{{ attribute }})
        {{- ' and' if not loop.last }}
    {%- endfor %}
{% endmacro %}

{#- How specific a row is: the number of attributes it fills. The most specific match wins. -#}
{% macro strata_playbook_specificity(playbook) %}
    {%- for attribute in strata_playbook_attributes() -%}
        case when {{ playbook }}.{{ attribute }} is not null then 1 else 0 end
        {{- ' + ' if not loop.last }}
    {%- endfor -%}
{% endmacro %}

{#- The attributes that selected a row, as text: 'tier=top; churn_risk=high', or 'any customer'
    for a row that fills none. -#}
{% macro strata_playbook_reason(playbook) %}
    coalesce(nullif(concat_ws(
        '; ',
        {%- for attribute in strata_playbook_attributes() %}
        case when {{ playbook }}.{{ attribute }} is not null then '{{ attribute }}=' || {{ playbook }}.{{ attribute }} end
        {{- ',' if not loop.last }}
        {%- endfor %}
    ), ''), 'any customer')
{% endmacro %}
