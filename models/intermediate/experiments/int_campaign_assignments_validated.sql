{#-
    Every distinct raw campaign assignment row with its verdict (pattern:
    macros/raw/validate_raw_rows.sql; reject rules: macros/raw/reject_rules.sql). A customer
    assigned twice to one campaign (two different rows for one assignment_key) is a
    conflicting_duplicate: every version is quarantined. is_known_campaign (the campaign is in
    seeds/campaigns.csv) is computed here, where the seed can be read, for the rule
    unknown_campaign. A plain table: the file is small and judged in full by every run.
-#}
{%- set staged -%}
    (
        select
            staged.*,
            staged.campaign_id in (select campaigns.campaign_id from {{ ref('campaigns') }} as campaigns)
                as is_known_campaign

        from {{ ref('stg_raw__campaign_assignments') }} as staged
    )
{%- endset %}
{{ strata_validate_raw_rows(
    staged_relation=staged,
    key_column='assignment_key',
    parsed_columns=['assignment_key', 'customer_id', 'campaign_id', 'variant', 'assigned_at', 'is_known_campaign'],
    text_columns={'assigned_at_text': 'assigned_at'},
    checks=strata_reject_rules('campaign_assignments'),
) }}
