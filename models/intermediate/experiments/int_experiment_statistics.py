"""The statistics of each experiment readout row against its control (definitions:
models/marts/experiments/_experiments__docs.md).

For every campaign and tier group of int_experiment_groups that has a 'control' variant, and for
each other variant of it, with n customers (windows ended), x converted, mean revenue m and sample
variance s2 (treatment: 1, control: 0):
- conversion: uplift p1 - p0 with p = x / n; the 95% confidence interval p1 - p0 +- z * se
  (z = the 0.975 quantile of the standard normal, se = sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0),
  unpooled: Wald's interval); the two-sided p-value of the two-proportion z-test with the pooled
  proportion P = (x1 + x0) / (n1 + n0): z = (p1 - p0) / sqrt(P (1 - P) (1 / n1 + 1 / n0)).
- revenue per customer: uplift m1 - m0; Welch's t-test: se = sqrt(s2_1 / n1 + s2_0 / n0),
  t = (m1 - m0) / se, Welch-Satterthwaite degrees of freedom df = se^4 / ((s2_1 / n1)^2 / (n1 - 1)
  + (s2_0 / n0)^2 / (n0 - 1)), the two-sided p-value of t with df degrees of freedom and the 95%
  interval m1 - m0 +- t_0.975(df) * se.
A statistic is null when it is undefined: a standard error of 0 (no variation on either side),
or fewer than 2 customers on a side for revenue. One row per compared variant; the control rows
and groups without a control get none (the readout shows them with null statistics).
"""

import math

import pyarrow as pa
from scipy.stats import norm
from scipy.stats import t as student_t

CONTROL = "control"
CONFIDENCE = 0.95

SCHEMA = pa.schema(
    [
        ("campaign_id", pa.string()),
        ("tier_group", pa.string()),
        ("variant", pa.string()),
        ("conversion_uplift", pa.float64()),
        ("conversion_uplift_ci_low", pa.float64()),
        ("conversion_uplift_ci_high", pa.float64()),
        ("conversion_z", pa.float64()),
        ("conversion_p_value", pa.float64()),
        ("revenue_uplift", pa.float64()),
        ("revenue_uplift_ci_low", pa.float64()),
        ("revenue_uplift_ci_high", pa.float64()),
        ("revenue_t", pa.float64()),
        ("revenue_df", pa.float64()),
        ("revenue_p_value", pa.float64()),
    ]
)


def conversion_statistics(n1, x1, n0, x0) -> dict:
    p1, p0 = x1 / n1, x0 / n0
    uplift = p1 - p0
    result = {"conversion_uplift": uplift}
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    if se > 0:
        half = norm.ppf(0.5 + CONFIDENCE / 2) * se
        result.update(
            conversion_uplift_ci_low=uplift - half, conversion_uplift_ci_high=uplift + half
        )
    pooled = (x1 + x0) / (n1 + n0)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se_pooled > 0:
        z = uplift / se_pooled
        result.update(conversion_z=z, conversion_p_value=float(2 * norm.sf(abs(z))))
    return result


def revenue_statistics(n1, m1, v1, n0, m0, v0) -> dict:
    if n1 < 2 or n0 < 2:
        return {}
    uplift = m1 - m0
    result = {"revenue_uplift": uplift}
    a, b = v1 / n1, v0 / n0
    se = math.sqrt(a + b)
    if se > 0:
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n0 - 1))
        t = uplift / se
        half = student_t.ppf(0.5 + CONFIDENCE / 2, df) * se
        result.update(
            revenue_uplift_ci_low=uplift - half,
            revenue_uplift_ci_high=uplift + half,
            revenue_t=t,
            revenue_df=df,
            revenue_p_value=float(2 * student_t.sf(abs(t), df)),
        )
    return result


def model(dbt, session):
    groups = dbt.ref("int_experiment_groups").project(
        "campaign_id, tier_group, variant, customers, converted_customers, "
        "revenue_per_customer, revenue_variance"
    )
    by_group = {}
    for campaign_id, tier_group, variant, n, x, mean, variance in groups.fetchall():
        by_group.setdefault((campaign_id, tier_group), {})[variant] = (n, x, mean, variance)
    rows = []
    for (campaign_id, tier_group), variants in sorted(by_group.items()):
        control = variants.get(CONTROL)
        if control is None or control[0] == 0:
            continue
        n0, x0, m0, v0 = control
        for variant, (n1, x1, m1, v1) in sorted(variants.items()):
            if variant == CONTROL or n1 == 0:
                continue
            row = {"campaign_id": campaign_id, "tier_group": tier_group, "variant": variant}
            row.update(conversion_statistics(n1, x1, n0, x0))
            row.update(revenue_statistics(n1, m1, v1, n0, m0, v0))
            rows.append(row)
    return pa.Table.from_pylist(rows, schema=SCHEMA)
