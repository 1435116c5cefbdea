{#-
    The reject rules of each raw table, in the order they are tried: [(reject_reason, condition)];
    a row takes the first reason whose condition is true (macros/raw/validate_raw_rows.sql). This
    is the one list: the validated models apply it, the accepted_values tests of every
    reject_reason column quote its names (strata_reject_reasons), and models/reject_reasons.md
    says, in the same order, what each reason means.

    Conditions read the rows strata_validate_raw_rows judges: the parsed columns, the raw text
    columns, and versions_of_key (how many different versions of the row's key there are).
-#}
{% macro strata_reject_rules(table_name) %}
    {%- if table_name == 'transactions' -%}
        {%- set rules = [
            ('missing_transaction_id', 'transaction_id is null'),
            ('missing_customer_id', 'customer_id is null'),
            ('unparseable_timestamp', 'transacted_at is null'),
            ('unparseable_amount', 'amount is null'),
            ('timestamp_before_min_date', "transacted_at < cast('" ~ var('min_transaction_date') ~ "' as date)"),
            ('timestamp_in_future', strata_future_cutoff('transacted_at')),
        ] -%}
    {%- elif table_name == 'customers' -%}
        {%- set rules = [
            ('missing_customer_id', 'customer_id is null'),
            ('unparseable_signup_date', 'signup_date is null and signup_date_text is not null'),
        ] -%}
    {%- elif table_name == 'events' -%}
        {%- set rules = [
            ('missing_event_id', 'event_id is null'),
            ('missing_customer_id', 'customer_id is null'),
            ('unparseable_timestamp', 'occurred_at is null'),
            ('timestamp_in_future', strata_future_cutoff('occurred_at')),
        ] -%}
    {%- elif table_name == 'campaign_assignments' -%}
        {%- set rules = [
            ('missing_customer_id', 'customer_id is null'),
            ('missing_campaign_id', 'campaign_id is null'),
            ('missing_variant', 'variant is null'),
            ('unparseable_timestamp', 'assigned_at is null'),
            ('timestamp_in_future', strata_future_cutoff('assigned_at')),
            ('unknown_campaign', 'not is_known_campaign'),
        ] -%}
    {%- elif table_name == 'marketing_spend' -%}
        {%- set rules = [
            ('missing_channel', 'channel is null'),
            ('unparseable_date', 'spent_on is null'),
            ('unparseable_amount', 'amount is null'),
            ('negative_amount', 'amount < 0'),
            ('timestamp_in_future', strata_future_cutoff('spent_on')),
        ] -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("Strata: no reject rules for raw table '" ~ table_name ~ "'.") }}
    {%- endif -%}
    {{ return(rules + [('conflicting_duplicate', 'versions_of_key > 1')]) }}
{% endmacro %}


{#- The reject reasons of a raw table, in order: the accepted values of its reject_reason columns. -#}
{% macro strata_reject_reasons(table_name) %}
    {%- set reasons = [] -%}
    {%- for reason, condition in strata_reject_rules(table_name) -%}
        {%- do reasons.append(reason) -%}
    {%- endfor -%}
    {{ return(reasons) }}
{% endmacro %}
