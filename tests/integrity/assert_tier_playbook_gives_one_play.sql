-- seeds/tier_playbook.csv gives every customer exactly one play: every row has a play_id, play,
-- channel, priority (1 or more) and service_level; play_ids are unique; plays are file names
-- (a-z, 0-9, _: the audience files are named after them); each filled attribute
-- is a value the attribute can take (a misspelt tier would match nobody); and every
-- combination of attributes that can occur has exactly one most specific matching row
-- (docs block playbook_match). The combinations: each (tier, segment) of the RFM cells of var
-- rfm_bins with each lifecycle stage but prospect, plus the unscored prospect (no tier or
-- segment), each with every usage band (the seed's, inactive, or none) and every churn risk
-- (high, medium, low, or none). Returns each problem; the build stops before
-- fct_customer_actions is written.
{%- set failing -%}
    with

    playbook as (

        select * from {{ ref('tier_playbook') }}

    ),

    rfm_cells as (

        select * from {{ ref('int_rfm_cells_mapped') }}

    ),

    usage_depth_bands as (

        select * from {{ ref('usage_depth_bands') }}

    ),

    -- The lifecycle stages of a scored customer (fct_customer_lifecycle_history; a prospect has
    -- no purchase, so no tier).
    scored_stages as (

        select 'new' as lifecycle_stage
        union all select 'active'
        union all select 'at_risk'
        union all select 'churned'
        union all select 'reactivated'

    ),

    usage_bands as (

        select usage_band from usage_depth_bands
        union all select 'inactive'
        union all select null

    ),

    churn_risks as (

        select 'high' as churn_risk
        union all select 'medium'
        union all select 'low'
        union all select null

    ),

    tier_segments as (

        select distinct
            tier,
            segment

        from rfm_cells

    ),

    profiles as (

        select
            tier_segments.tier,
            tier_segments.segment,
            scored_stages.lifecycle_stage

        from tier_segments
        cross join scored_stages

        union all

        select
            null as tier,
            null as segment,
            'prospect' as lifecycle_stage

    ),

    combinations as (

        select
            profiles.tier,
            profiles.segment,
            profiles.lifecycle_stage,
            usage_bands.usage_band,
            churn_risks.churn_risk

        from profiles
        cross join usage_bands
        cross join churn_risks

    ),

    known_values as (

        select 'tier' as attribute, tier as known_value from combinations
        union select 'segment', segment from combinations
        union select 'lifecycle_stage', lifecycle_stage from combinations
        union select 'usage_band', usage_band from combinations
        union select 'churn_risk', churn_risk from combinations

    ),

    described as (

        select
            *,
            'tier ' || coalesce(tier, '(none)')
            || ', segment ' || coalesce(segment, '(none)')
            || ', lifecycle_stage ' || lifecycle_stage
            || ', usage_band ' || coalesce(usage_band, '(none)')
            || ', churn_risk ' || coalesce(churn_risk, '(none)') as combination

        from combinations

    ),

    unmatched as (

        select * from described
        where not exists (
            select 1 from playbook
            where {{ strata_playbook_matches('playbook', 'described') }}
        )

    ),

    best_matches as (

        select
            described.combination,
            playbook.play_id,
            rank() over (
                partition by described.combination
                order by {{ strata_playbook_specificity('playbook') }} desc
            ) as match_rank

        from described
        inner join playbook
            on {{ strata_playbook_matches('playbook', 'described') }}

    ),

    ties as (

        select
            combination,
            {{ dbt.listagg('play_id', "' and '", 'order by play_id') }} as tied_play_ids

        from best_matches
        where match_rank = 1
        group by combination
        having count(*) > 1

    ),

    problems as (

        select 'a row has no play_id, play, channel, priority or service_level' as problem
        from playbook
        where play_id is null or play is null or channel is null or priority is null or service_level is null
        having count(*) > 0

        union all

        select 'play_id ' || play_id || ' is on ' || cast(count(*) as {{ dbt.type_string() }}) || ' rows' as problem
        from playbook
        where play_id is not null
        group by play_id
        having count(*) > 1

        union all

        select play_id || ': play ' || play || ' is not a file name (the audience files are named after it: use a-z, 0-9 and _)' as problem
        from playbook
        where length(translate(play, 'abcdefghijklmnopqrstuvwxyz0123456789_', '')) > 0

        union all

        select play_id || ' has priority ' || cast(priority as {{ dbt.type_string() }}) || ' (1 or more)' as problem
        from playbook
        where priority < 1

        {% for attribute in strata_playbook_attributes() %}

        union all

        select play_id || ': {{ attribute }} ' || playbook.{{ attribute }} || ' never occurs' as problem
        from playbook
        where
            playbook.{{ attribute }} is not null
            and playbook.{{ attribute }} not in (
                select known_value from known_values
                where attribute = '{{ attribute }}' and known_value is not null
            )
        {% endfor %}

        union all

        select
            'no row matches ' || cast(count(*) as {{ dbt.type_string() }})
            || ' combination(s) of tier ' || coalesce(tier, '(none)') || ', e.g. ' || min(combination) as problem
        from unmatched
        group by tier

        union all

        select
            tied_play_ids || ' tie for ' || cast(count(*) as {{ dbt.type_string() }})
            || ' combination(s), e.g. ' || min(combination) as problem
        from ties
        group by tied_play_ids

    )

    select * from problems
{%- endset %}
{%- set message = 'seeds/tier_playbook.csv does not give every customer exactly one play:' %}
{{ strata_say_failing_rows(failing, message, 'problem') }}
