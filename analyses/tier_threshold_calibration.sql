-- Would other tier thresholds fit the current data better than the score bands?
--
-- The scored customers of fct_customer_rfm at as_of_date, tiered by four methods:
-- - tiering_method 'score_bands': the tiers as built (seeds/rfm_tier_bands.csv);
-- - tiering_method 'score_percentiles': customers ranked by rfm_score (then monetary, descending, then
--   customer_id) and cut by the shares of shares_from_best below (best tier first);
-- - tiering_method 'monetary_percentiles': the same cuts on monetary (then rfm_score, customer_id)
--   (both percentile methods are left out when the tiers are not as many as the shares);
-- - tiering_method 'score_natural_breaks': Jenks natural breaks of rfm_score into as many classes as
--   there are tiers: of all ways to cut the distinct scores into that many ranges, the one with
--   the least sum of squared deviations of the customers' scores from their range's mean (ties:
--   the first in the order of the ranges' upper bounds); the highest range is the best tier.
--   Left out when the data hold fewer distinct scores than there are tiers. (The ranges'
--   upper bounds are compared as two-digit text: rfm_score is at most 27, var rfm_bins <= 9.)
-- Tiers are ranked by tier_rank (rpt_tier_kpis at as_of_date); the methods give the tier of
-- rank k to the k-th group from the bottom.
--
-- Returns one row per method and tier: tiering_method, tier, tier_rank, customers, customer_share
-- (customers / scored customers), value_share (the tier's sum of monetary / everyone's),
-- min_rfm_score and max_rfm_score (the score range the tier holds under the method; null when
-- empty), changed_customers (customers of the tier whose score_bands tier is another),
-- as_of_date. Ordered by tiering_method, best tier first.
--
-- Adopting a method: score_natural_breaks gives ranges that do not overlap; copy them into
-- seeds/rfm_tier_bands.csv (min_rfm_score, max_rfm_score per tier) and build (README "Acting
-- on tiers", docs/extending.md). score_percentiles splits the customers of a tied score between
-- two tiers, so its ranges overlap at those scores: choose the tier of each such score (the
-- counts then differ from the ones shown). monetary_percentiles is no set of score bands at
-- all: it shows what tiering by monetary alone would give, for comparison.
{%- set shares_from_best = [0.2, 0.3, 0.3, 0.2] %}

-- recursive: partitions enumerates the ways to cut the scores into ranges
with recursive

customer_rfm as (

    select * from {{ ref('fct_customer_rfm') }}

),

tier_kpis as (

    select * from {{ ref('rpt_tier_kpis') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date
    from tier_kpis

),

-- Every tier at as_of_date, numbered 1 (lowest tier_rank) to K, with the share of the
-- percentile methods (shares_from_best read from the best tier down).
tiers as (

    select
        tier_kpis.tier,
        tier_kpis.tier_rank,
        row_number() over (order by tier_kpis.tier_rank) as tier_number,
        count(*) over () as tier_count

    from tier_kpis
    inner join latest_snapshot
        on tier_kpis.snapshot_date = latest_snapshot.snapshot_date

),

tier_counts as (

    select max(tier_count) as tier_count
    from tiers

),

tier_shares as (

    select
        tiers.*,
        case tiers.tier_count - tiers.tier_number
            {%- for share in shares_from_best %}
                when {{ loop.index0 }} then {{ share }}
            {%- endfor %}
        end as tier_share,
        tiers.tier_count = {{ shares_from_best | length }} as has_share

    from tiers

),

tier_cuts as (

    select
        *,
        sum(tier_share) over (order by tier_number desc rows unbounded preceding) as share_from_best_to_here

    from tier_shares

),

ranked as (

    select
        customer_id,
        tier,
        rfm_score,
        monetary,
        as_of_date,
        count(*) over () as scored_customers,
        row_number() over (order by rfm_score desc, monetary desc, customer_id asc) as score_position,
        row_number() over (order by monetary desc, rfm_score desc, customer_id asc) as monetary_position

    from customer_rfm

),

percentile_methods as (

    select 'score_percentiles' as tiering_method
    union all
    select 'monetary_percentiles' as tiering_method

),

-- The percentile methods: a customer at position p of n takes the best tier whose cumulative
-- share from the best tier reaches p / n (none when the shares do not fit the tiers).
percentile_tiers as (

    select
        ranked.customer_id,
        percentile_methods.tiering_method,
        max(tier_cuts.tier_number) as tier_number

    from ranked
    cross join percentile_methods
    inner join tier_cuts
        on
            tier_cuts.share_from_best_to_here * ranked.scored_customers + 1e-9
            >= case
                when percentile_methods.tiering_method = 'score_percentiles' then ranked.score_position
                else ranked.monetary_position
            end
    where tier_cuts.has_share
    group by ranked.customer_id, percentile_methods.tiering_method

),

score_counts as (

    select
        rfm_score,
        count(*) as customers,
        row_number() over (order by rfm_score) as score_number

    from customer_rfm
    group by rfm_score

),

-- Every range of consecutive distinct scores, with the sum of squared deviations of its
-- customers' scores from the range's mean.
score_ranges as (

    select
        lows.score_number as from_number,
        highs.score_number as to_number,
        highs.rfm_score as to_score,
        sum(members.customers * members.rfm_score * members.rfm_score)
        - sum(members.customers * members.rfm_score) * sum(members.customers * members.rfm_score)
        / cast(sum(members.customers) as {{ strata_type_double() }}) as squared_deviations

    from score_counts as lows
    inner join score_counts as highs
        on lows.score_number <= highs.score_number
    inner join score_counts as members
        on members.score_number between lows.score_number and highs.score_number
    group by lows.score_number, highs.score_number, highs.rfm_score

),

-- Every way to cut the scores into the first n ranges, as the text of the ranges' upper
-- bounds (two digits each, lowest first).
partitions (classes, to_number, squared_deviations, upper_bounds) as (

    select
        1 as classes,
        to_number,
        squared_deviations,
        {{ dbt.right("'0' || cast(to_score as " ~ dbt.type_string() ~ ")", 2) }} as upper_bounds

    from score_ranges
    where from_number = 1

    union all

    select
        partitions.classes + 1 as classes,
        score_ranges.to_number,
        partitions.squared_deviations + score_ranges.squared_deviations as squared_deviations,
        partitions.upper_bounds
        || {{ dbt.right("'0' || cast(score_ranges.to_score as " ~ dbt.type_string() ~ ")", 2) }}
            as upper_bounds

    from partitions
    inner join score_ranges
        on score_ranges.from_number = partitions.to_number + 1
    where partitions.classes < (select tier_counts.tier_count from tier_counts)

),

score_count as (

    select max(score_number) as score_number
    from score_counts

),

best_partition as (

    select partitions.upper_bounds
    from partitions
    inner join tier_counts
        on partitions.classes = tier_counts.tier_count
    inner join score_count
        on partitions.to_number = score_count.score_number
    order by partitions.squared_deviations asc, partitions.upper_bounds asc
    limit 1

),

break_tiers as (

    select
        tiers.tier_number,
        cast(substring(best_partition.upper_bounds, 2 * tiers.tier_number - 1, 2) as integer) as upper_bound

    from tiers
    cross join best_partition

),

natural_break_tiers as (

    select
        ranked.customer_id,
        'score_natural_breaks' as tiering_method,
        min(break_tiers.tier_number) as tier_number

    from ranked
    inner join break_tiers
        on ranked.rfm_score <= break_tiers.upper_bound
    group by ranked.customer_id

),

method_tiers as (

    select * from percentile_tiers
    union all
    select * from natural_break_tiers

),

assigned as (

    select
        ranked.customer_id,
        'score_bands' as tiering_method,
        ranked.tier

    from ranked

    union all

    select
        method_tiers.customer_id,
        method_tiers.tiering_method,
        tiers.tier

    from method_tiers
    inner join tiers
        on method_tiers.tier_number = tiers.tier_number

),

methods as (

    select distinct tiering_method from assigned

),

per_tier as (

    select
        assigned.tiering_method,
        assigned.tier,
        count(*) as customers,
        sum(ranked.monetary) as monetary,
        min(ranked.rfm_score) as min_rfm_score,
        max(ranked.rfm_score) as max_rfm_score,
        sum(case when ranked.tier <> assigned.tier then 1 else 0 end) as changed_customers

    from assigned
    inner join ranked
        on assigned.customer_id = ranked.customer_id
    group by assigned.tiering_method, assigned.tier

),

totals as (

    select
        count(*) as customers,
        sum(monetary) as monetary,
        max(as_of_date) as as_of_date

    from ranked

),

tier_threshold_calibration as (

    select
        methods.tiering_method,
        tiers.tier,
        tiers.tier_rank,
        coalesce(per_tier.customers, 0) as customers,
        cast(coalesce(per_tier.customers, 0) as {{ strata_type_double() }})
        / nullif(totals.customers, 0) as customer_share,
        cast(coalesce(per_tier.monetary, 0) as {{ strata_type_double() }})
        / nullif(totals.monetary, 0) as value_share,
        per_tier.min_rfm_score,
        per_tier.max_rfm_score,
        coalesce(per_tier.changed_customers, 0) as changed_customers,
        totals.as_of_date

    from methods
    cross join tiers
    cross join totals
    left join per_tier
        on
            methods.tiering_method = per_tier.tiering_method
            and tiers.tier = per_tier.tier

)

select * from tier_threshold_calibration
order by tiering_method asc, tier_rank desc
