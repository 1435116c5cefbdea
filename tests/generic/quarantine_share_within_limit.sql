{#-
    On a quarantine mart (one row per distinct rejected raw row, with reject_reason and raw_rows):
    the share of the raw table's rows that are quarantined, sum(raw_rows) / count(*) of the
    staged raw table, is at most the value of the var named share_var. Used twice per raw table:
    severity warn with quarantine_warn_share and severity error with quarantine_error_share. The
    models built from the raw table depend on its quarantine mart, so the quarantine mart is
    built (and can be queried) while a stop keeps every other mart of that table as it was.

    When the share is above the limit, the test says why in words: the table, how many rows of
    how many, the commonest reject reasons with their counts, the limit and its var, and where to
    look. At severity error it stops the node with that message (it then stands in dbt's summary
    and in run_results.json); at severity warn it logs it as a warning and returns the row.
-#}
{% test quarantine_share_within_limit(model, staged, table_name, share_var) %}
    {{ strata_require_argument('quarantine_share_within_limit', 'staged', staged) }}
    {{ strata_require_argument('quarantine_share_within_limit', 'table_name', table_name) }}
    {{ strata_require_argument('quarantine_share_within_limit', 'share_var', share_var) }}
    {%- set max_share = var(share_var) | float -%}
    {%- set shares_sql -%}
        with

        shares as (

            select
                (select coalesce(sum(raw_rows), 0) from {{ model }}) as quarantined_rows,
                (select count(*) from {{ staged }}) as raw_rows

        )

        select
            quarantined_rows,
            raw_rows,
            cast(quarantined_rows as {{ strata_type_double() }}) / nullif(raw_rows, 0) as quarantined_share

        from shares
        where cast(quarantined_rows as {{ strata_type_double() }}) / nullif(raw_rows, 0) > {{ max_share }}
    {%- endset -%}
    {%- if execute -%}
        {%- set above = run_query(shares_sql).rows -%}
        {%- if above | length > 0 -%}
            {%- set reasons = run_query(
                'select reject_reason, sum(raw_rows) as raw_rows from ' ~ model
                ~ ' group by reject_reason order by raw_rows desc, reject_reason limit 3'
            ).rows -%}
            {%- set top_reasons = [] -%}
            {%- for reason in reasons -%}
                {%- do top_reasons.append(reason['reject_reason'] ~ ' ' ~ reason['raw_rows']) -%}
            {%- endfor -%}
            {%- set stopping = config.get('severity', 'error') | lower == 'error' -%}
            {%- set message = 'Strata: ' ~ '%.1f' | format(above[0]['quarantined_share'] * 100) ~ '% of the raw '
                ~ table_name ~ ' rows are quarantined (' ~ above[0]['quarantined_rows'] ~ ' of '
                ~ above[0]['raw_rows'] ~ '), above ' ~ share_var ~ ' = ' ~ max_share ~ '. Commonest reasons: '
                ~ top_reasons | join(', ') ~ '. '
                ~ ('Nothing built from the raw ' ~ table_name ~ ' was replaced. ' if stopping else '')
                ~ 'Each rejected row and its reason: select * from ' ~ model ~ ' (README "Bad rows"). Fix the'
                ~ ' export, or raise the limit: --vars \'{' ~ share_var ~ ': ...}\'.' -%}
            {%- if stopping -%}
                {{ exceptions.raise_compiler_error(message) }}
            {%- else -%}
                {% do exceptions.warn(message) %}
            {%- endif -%}
        {%- endif -%}
    {%- endif %}
    {{ shares_sql }}
{% endtest %}
