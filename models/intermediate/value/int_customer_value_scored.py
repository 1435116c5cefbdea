"""Each customer of int_customer_orders_summarised scored with the fits of int_value_model_fit
(definitions and formulas: models/marts/value/_value__docs.md):

- p_alive: P(alive | x, t_x, T) of BG/NBD (Fader, Hardie & Lee 2005, eq. 11; 1 when x = 0);
- expected_purchases: E[Y(H) | x, t_x, T], the expected number of orders (order days) in the
  next H = clv_horizon periods (eq. 10, with scipy.special.hyp2f1);
- expected_avg_spend: E[M | x, m_x] of Gamma-Gamma, (gamma + m_x x) p / (p x + q - 1); the
  population mean gamma p / (q - 1) for a customer without repeat orders;
- predicted_clv: expected_avg_spend x the sum over the months k = 1..K of the horizon of
  (E[Y(tau_k)] - E[Y(tau_k-1)]) / (1 + d) ^ (tau_k / L), where L = periods per month,
  tau_k = min(k L, H), K = ceil(H / L) and d = clv_monthly_discount_rate (lifetimes'
  customer_lifetime_value, which the horizon in months and its last month cut at H generalise).

Null where the model it needs did not converge (rpt_value_model_fit says why), and where a value
is not finite. BG/NBD is evaluated once per distinct (x, t_x, T), vectorised, and mapped back to
the customers; no per-customer Python loop.
"""

import math

import numpy as np
import pyarrow as pa
from scipy.special import expit, hyp2f1


def arrow_table(relation):
    """A DuckDB relation as a pyarrow Table (DuckDB 2 returns a reader, 1.5 a table)."""
    result = relation.arrow()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def converged_estimates(fit_rows, model_name):
    """{parameter: estimate} of a model whose fit converged, else None."""
    rows = [row for row in fit_rows if row[0] == model_name]
    if not rows or not all(row[3] for row in rows):
        return None
    return {row[1]: row[2] for row in rows}


def p_alive(params, x, t_x, T):
    """P(alive | x, t_x, T)
    = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))."""
    r, alpha, a, b = (params[name] for name in ("r", "alpha", "a", "b"))
    repeat = x > 0
    log_odds_dropped = np.where(
        repeat,
        math.log(a)
        - np.log(np.where(repeat, b + x - 1, 1.0))
        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
        -np.inf,
    )
    return expit(-log_odds_dropped)


def expected_purchases(params, t, x, T, alive):
    """E[Y(t) | x, t_x, T] = (a + b + x - 1) / (a - 1)
    x [1 - ((alpha + T) / (alpha + T + t))^(r + x)
           2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
    x P(alive | x, t_x, T)."""
    if t == 0:
        return np.zeros_like(x)
    r, alpha, a, b = (params[name] for name in ("r", "alpha", "a", "b"))
    shrink = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    series = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    return (a + b + x - 1) / (a - 1) * (1 - shrink * series) * alive


def horizon_ends(horizon, periods_per_month):
    """tau_1..tau_K: the end of each month of the horizon, the last one cut at the horizon."""
    months = math.ceil(horizon / periods_per_month - 1e-9) if horizon > 0 else 0
    return [min(k * periods_per_month, horizon) for k in range(1, months + 1)]


def score_bg_nbd(params, x, t_x, T, horizon, periods_per_month, discount_rate):
    """p_alive, E[Y(horizon)] and the monthly discounted expected purchases."""
    alive = p_alive(params, x, t_x, T)
    discounted = np.zeros_like(x)
    before = np.zeros_like(x)
    for end in horizon_ends(horizon, periods_per_month):
        cumulative = expected_purchases(params, end, x, T, alive)
        discounted += (cumulative - before) / (1 + discount_rate) ** (end / periods_per_month)
        before = cumulative
    return alive, before, discounted


def expected_avg_spend(params, x, m):
    """E[M | x, m_x] = (gamma + m_x x) p / (p x + q - 1)."""
    p, q, gamma = (params[name] for name in ("p", "q", "gamma"))
    return (gamma + m * x) * p / (p * x + q - 1)


def nullable(values):
    """A float64 arrow array, null where the value is missing or not finite."""
    return pa.array(values, type=pa.float64(), mask=~np.isfinite(values))


def model(dbt, session):
    settings = dbt.ref("int_value_model_settings").project(
        "horizon_periods, periods_per_month, monthly_discount_rate"
    )
    horizon, periods_per_month, discount_rate = settings.fetchall()[0]
    fit_rows = (
        dbt.ref("int_value_model_fit").project("model, parameter, estimate, converged").fetchall()
    )
    summary = arrow_table(
        dbt.ref("int_customer_orders_summarised").project(
            "customer_id, repeat_purchases, order_span_days, tenure_days, recency_periods, "
            "age_periods, coalesce(avg_repeat_spend, 0) as avg_repeat_spend"
        )
    )
    column = {name: summary.column(name).to_numpy() for name in summary.column_names[1:]}
    x = column["repeat_purchases"].astype(np.float64)
    n = len(x)
    nulls = np.full(n, np.nan)
    alive, purchases, discounted = nulls, nulls, nulls
    bg_nbd = converged_estimates(fit_rows, "bg_nbd")
    if bg_nbd is not None and n > 0:
        # each distinct (x, t_x, T) once, keyed by the integer day counts that determine it
        key = (
            (column["repeat_purchases"].astype(np.int64) << 42)
            | (column["order_span_days"].astype(np.int64) << 21)
            | column["tenure_days"].astype(np.int64)
        )
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        scored = score_bg_nbd(
            bg_nbd,
            x[first],
            column["recency_periods"][first].astype(np.float64),
            column["age_periods"][first].astype(np.float64),
            horizon,
            periods_per_month,
            discount_rate,
        )
        alive, purchases, discounted = (values[inverse] for values in scored)
    spend = nulls
    gamma_gamma = converged_estimates(fit_rows, "gamma_gamma")
    if gamma_gamma is not None:
        spend = expected_avg_spend(gamma_gamma, x, column["avg_repeat_spend"].astype(np.float64))
    return pa.table(
        {
            "customer_id": summary.column("customer_id"),
            "p_alive": nullable(alive),
            "expected_purchases": nullable(purchases),
            "expected_avg_spend": nullable(spend),
            "predicted_clv": nullable(spend * discounted),
        }
    )
