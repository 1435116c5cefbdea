"""The customer value models fitted at as_of_date by maximum likelihood (definitions:
models/marts/value/_value__docs.md; README "Customer value").

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"), on every customer of
  int_customer_orders_summarised: x = repeat_purchases, t_x = recency_periods, T = age_periods.
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999), on the repeat
  buyers with avg_repeat_spend > 0 (its density needs a positive mean spend): x and m_x =
  avg_repeat_spend.

One row per (model, parameter), plus the row (gamma_gamma, frequency_spend_correlation). The
log-likelihoods are written in log space (gammaln, betaln, logaddexp); BG/NBD's is summed over the
distinct (x, t_x, T) weighted by their number of customers, Gamma-Gamma's over the repeat buyers
sorted by (x, m_x), with numpy's sums (not BLAS, whose order of summation may vary), so the same
data give the same estimates to the last bit whatever order the rows are read in. The optimiser
is L-BFGS-B on the logarithms of the parameters, bounded to [1e-8, 1e8], with the analytic
gradient and fixed start values. No per-customer Python loop.

The vars arrive as the one row of int_value_model_settings: a Python model's config is rendered
when dbt parses the project, not at run time.
"""

import math
import time

import numpy as np
import pyarrow as pa
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln

PARAMETERS = {"bg_nbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "gamma")}
CORRELATION = "frequency_spend_correlation"
LOG_BOUND = math.log(1e8)
AT_BOUND = 1e-6  # a log-parameter this close to a bound counts as not determined by the data
GRADIENT_TOLERANCE = 1e-6  # largest |gradient| of the mean log-likelihood accepted as converged
OPTIONS = {"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000}

SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("time_unit", pa.string()),
        ("model", pa.string()),
        ("parameter", pa.string()),
        ("estimate", pa.float64()),
        ("log_likelihood", pa.float64()),
        ("customers", pa.int64()),
        ("converged", pa.bool_()),
        ("fit_seconds", pa.float64()),
        ("message", pa.string()),
    ]
)


def bg_nbd_log_likelihood(log_params, x, t_x, T, weights):
    """Weighted mean log-likelihood of BG/NBD (FHL 2005, eq. 6) and its gradient with respect to
    the log-parameters. x, t_x, T, weights: one entry per distinct (x, t_x, T)."""
    r, alpha, a, b = np.exp(log_params)
    xs, index = np.unique(x, return_inverse=True)  # the terms in x alone, once per distinct x
    repeat = xs > 0
    b_repeat = np.where(repeat, b + xs - 1, 1.0)  # b + x - 1, only used where x > 0
    constant = gammaln(r + xs) - gammaln(r) + r * math.log(alpha)
    beta_alive = betaln(a, b + xs) - betaln(a, b)
    beta_dropped = np.where(repeat, betaln(a + 1, b_repeat) - betaln(a, b), -np.inf)
    rx = r + x
    log_alive_t = np.log(alpha + T)
    log_dropped_t = np.log(alpha + t_x)
    alive = beta_alive[index] - rx * log_alive_t
    dropped = beta_dropped[index] - rx * log_dropped_t
    total = np.logaddexp(alive, dropped)
    log_likelihood = constant[index] + total
    share_alive = np.exp(alive - total)
    share_dropped = np.exp(dropped - total)

    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + xs)
    d_alive_a = psi_ab - psi_abx
    d_alive_b = digamma(b + xs) - psi_abx - digamma(b) + psi_ab
    d_dropped_a = np.where(repeat, digamma(a + 1) - digamma(a) + psi_ab - psi_abx, 0.0)
    d_dropped_b = np.where(repeat, digamma(b_repeat) - digamma(b) + psi_ab - psi_abx, 0.0)
    d_r = (
        (digamma(r + xs) - digamma(r))[index]
        + math.log(alpha)
        - share_alive * log_alive_t
        - share_dropped * log_dropped_t
    )
    d_alpha = r / alpha - share_alive * rx / (alpha + T) - share_dropped * rx / (alpha + t_x)
    d_a = share_alive * d_alive_a[index] + share_dropped * d_dropped_a[index]
    d_b = share_alive * d_alive_b[index] + share_dropped * d_dropped_b[index]
    total_weight = weights.sum()
    gradient = np.array([np.sum(weights * d) for d in (d_r, d_alpha, d_a, d_b)]) * (r, alpha, a, b)
    return np.sum(weights * log_likelihood) / total_weight, gradient / total_weight


def gamma_gamma_log_likelihood(log_params, x, m):
    """Mean log-likelihood of Gamma-Gamma for repeat buyers with x repeat purchases of mean value
    m (FHL 2005, "RFM and CLV", eq. 3) and its gradient with respect to the log-parameters."""
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_scale = np.log(gamma + m * x)
    log_m = np.log(m)
    log_x = np.log(x)
    log_likelihood = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * math.log(gamma)
        + (px - 1) * log_m
        + px * log_x
        - (px + q) * log_scale
    )
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + log_m + log_x - log_scale)
    d_q = psi - digamma(q) + math.log(gamma) - log_scale
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    gradient = np.array([d.sum() for d in (d_p, d_q, d_gamma)]) * (p, q, gamma)
    return log_likelihood.mean(), gradient / len(x)


def maximise(names, log_likelihood, start):
    """Maximise a mean log-likelihood over the log-parameters from start (natural scale).
    Returns (estimates, mean log-likelihood, converged, message)."""
    result = minimize(
        lambda log_params: tuple(-value for value in log_likelihood(log_params)),
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
        options=OPTIONS,
    )
    estimates = np.exp(result.x)
    value, gradient = log_likelihood(result.x)
    if not (np.all(np.isfinite(estimates)) and math.isfinite(value)):
        return estimates, value, False, "the fit did not converge: the log-likelihood is not finite"
    at_bound = [
        f"{name} = {estimate:.6g}"
        for name, estimate, log_value in zip(names, estimates, result.x, strict=True)
        if LOG_BOUND - abs(log_value) < AT_BOUND
    ]
    if at_bound:
        return (
            estimates,
            value,
            False,
            "the fit did not converge: parameter at the bound of the search range ("
            + ", ".join(at_bound)
            + "), the data do not determine it",
        )
    if not result.success and np.max(np.abs(gradient)) > GRADIENT_TOLERANCE:
        return estimates, value, False, f"the fit did not converge: {result.message}"
    return estimates, value, True, None


def fit_bg_nbd(x, t_x, T, weights):
    """BG/NBD on the distinct (x, t_x, T) with customer counts as weights."""
    start = [1.0, float(np.average(T, weights=weights)) or 1.0, 1.0, 1.0]
    estimates, mean, converged, message = maximise(
        PARAMETERS["bg_nbd"],
        lambda log_params: bg_nbd_log_likelihood(log_params, x, t_x, T, weights),
        start,
    )
    return estimates, mean * weights.sum(), converged, message


def fit_gamma_gamma(x, m):
    """Gamma-Gamma on the repeat buyers with a positive mean spend, sorted by (x, m)."""
    estimates, mean, converged, message = maximise(
        PARAMETERS["gamma_gamma"],
        lambda log_params: gamma_gamma_log_likelihood(log_params, x, m),
        [1.0, 1.0, float(np.mean(m))],
    )
    if converged and estimates[1] <= 1:
        converged = False
        message = (
            f"q = {estimates[1]:.6g} <= 1: the mean spend of the population is not finite, so "
            "expected_avg_spend cannot be computed"
        )
    return estimates, mean * len(x), converged, message


def frequency_spend_correlation(x, m):
    """Pearson correlation of x and m over the repeat buyers; None when it is not defined."""
    if len(x) < 2:
        return None
    dx, dm = x - np.mean(x), m - np.mean(m)
    spread = np.sum(dx * dx) * np.sum(dm * dm)
    if spread == 0:
        return None
    return float(np.sum(dx * dm) / math.sqrt(spread))


def fitted(fit, repeat_buyers, min_repeat_buyers, *args):
    """Run a fit and time it, when there are enough repeat buyers. An exception becomes a fit
    that did not converge, with its message, so the marts are still built."""
    if repeat_buyers < min_repeat_buyers:
        return {
            "estimates": None,
            "log_likelihood": None,
            "converged": False,
            "message": f"not fitted: {repeat_buyers} repeat buyers, fewer than "
            f"clv_min_repeat_buyers = {min_repeat_buyers}",
            "fit_seconds": None,
        }
    started = time.perf_counter()
    try:
        estimates, log_likelihood, converged, message = fit(*args)
    except Exception as error:  # any failure must leave the marts buildable
        estimates, log_likelihood, converged = None, None, False
        message = f"the fit failed: {type(error).__name__}: {error}"
    return {
        "estimates": estimates,
        "log_likelihood": log_likelihood,
        "converged": converged,
        "message": message,
        "fit_seconds": time.perf_counter() - started,
    }


def summary_arrays(summary):
    """The BTYD summary as numpy arrays: x, the integer day counts and the periods."""
    columns = summary.project(
        "repeat_purchases, order_span_days, tenure_days, recency_periods, age_periods, "
        "coalesce(avg_repeat_spend, 0) as avg_repeat_spend"
    ).fetchnumpy()
    return {name: np.asarray(values) for name, values in columns.items()}


def distinct_triples(arrays):
    """The distinct (x, t_x, T), sorted, with their customer counts. The key is built from the
    integer day counts, which determine the periods."""
    x = arrays["repeat_purchases"].astype(np.int64)
    span = arrays["order_span_days"].astype(np.int64)
    tenure = arrays["tenure_days"].astype(np.int64)
    key = (x << 42) | (span << 21) | tenure  # day counts below 2**21 (5,700 years)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return (
        x[first].astype(np.float64),
        arrays["recency_periods"][first].astype(np.float64),
        arrays["age_periods"][first].astype(np.float64),
        counts.astype(np.float64),
    )


def repeat_buyers_sorted(arrays):
    """x and m of the repeat buyers with a positive avg_repeat_spend, sorted by (x, m)."""
    x = arrays["repeat_purchases"].astype(np.float64)
    m = arrays["avg_repeat_spend"].astype(np.float64)
    keep = (x > 0) & (m > 0)
    order = np.lexsort((m[keep], x[keep]))
    return x[keep][order], m[keep][order]


def fit_rows(model_name, fit, customers, extra=()):
    """The rows of one model: one per parameter, then the extra (parameter, value) pairs."""
    names = PARAMETERS[model_name]
    estimates = [None] * len(names) if fit["estimates"] is None else fit["estimates"]
    pairs = [*zip(names, estimates, strict=True), *extra]
    return [
        {
            "model": model_name,
            "parameter": parameter,
            "estimate": None if estimate is None else float(estimate),
            "log_likelihood": fit["log_likelihood"],
            "customers": customers,
            "converged": fit["converged"],
            "fit_seconds": fit["fit_seconds"],
            "message": fit["message"],
        }
        for parameter, estimate in pairs
    ]


def model(dbt, session):
    settings = dbt.ref("int_value_model_settings").project(
        "as_of_date, time_unit, min_repeat_buyers"
    )
    as_of_date, time_unit, min_repeat_buyers = settings.fetchall()[0]
    if as_of_date is None:  # no purchase on or before as_of_date: nothing to fit
        return SCHEMA.empty_table()
    arrays = summary_arrays(dbt.ref("int_customer_orders_summarised"))
    x, t_x, T, weights = distinct_triples(arrays)
    repeat_x, repeat_m = repeat_buyers_sorted(arrays)
    bg_nbd = fitted(fit_bg_nbd, int(weights[x > 0].sum()), min_repeat_buyers, x, t_x, T, weights)
    gamma_gamma = fitted(fit_gamma_gamma, len(repeat_x), min_repeat_buyers, repeat_x, repeat_m)
    correlation = frequency_spend_correlation(repeat_x, repeat_m)
    rows = fit_rows("bg_nbd", bg_nbd, int(weights.sum())) + fit_rows(
        "gamma_gamma", gamma_gamma, len(repeat_x), extra=[(CORRELATION, correlation)]
    )
    for row in rows:
        row.update(as_of_date=as_of_date, time_unit=time_unit)
    return pa.Table.from_pylist(rows, schema=SCHEMA)
