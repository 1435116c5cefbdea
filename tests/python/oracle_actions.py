"""Independent pure-Python reference of the action marts (issue 16): fct_customer_actions and
fct_tier_alerts, written from their definitions (models/marts/actions/_actions__docs.md and the
marts' yml), never from the SQL.

Inputs: the playbook seed (read with csv), each customer's current attributes and, for the
alerts, the tiers and lifecycle stages at the last two snapshots, all from the other oracles
(oracle.py, oracle_lifecycle.py, oracle_behaviour.py), plus the value mart's columns (churn_risk,
predicted_clv, clv_quantile, high_value_at_risk), which test_value_model.py checks against
published results.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
ATTRIBUTES = ("tier", "segment", "lifecycle_stage", "usage_band", "churn_risk")
# A lifecycle stage's health (a prospect has none).
STAGE_HEALTH = {"new": 3, "active": 3, "reactivated": 3, "at_risk": 2, "churned": 1}
ALERT_VARS = {
    "alert_stage_drop_points": 2,
    "alert_high_value_at_risk_points": 4,
    "alert_severe_score": 8,
    "alert_moderate_score": 4,
}


@dataclass(frozen=True)
class Play:
    play_id: str
    conditions: tuple[tuple[str, str], ...]  # (attribute, value) of the filled attributes
    play: str
    channel: str
    priority: int
    service_level: str


def load_playbook(seeds_dir: Path = SEEDS_DIR) -> list[Play]:
    with (seeds_dir / "tier_playbook.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Play(
            row["play_id"],
            tuple((a, row[a]) for a in ATTRIBUTES if row[a] != ""),
            row["play"],
            row["channel"],
            int(row["priority"]),
            row["service_level"],
        )
        for row in rows
    ]


def matching_plays(playbook: list[Play], attributes: dict) -> list[Play]:
    """The most specific rows that match: every filled attribute equals the customer's."""
    matching = [p for p in playbook if all(attributes[a] == v for a, v in p.conditions)]
    if not matching:
        return []
    most = max(len(p.conditions) for p in matching)
    return [p for p in matching if len(p.conditions) == most]


def reason(play: Play) -> str:
    return "; ".join(f"{a}={v}" for a, v in play.conditions) or "any customer"


def compute_actions(customers: dict[str, dict], playbook: list[Play], as_of: date) -> list[dict]:
    """fct_customer_actions: customers maps customer_id -> its five attributes (customers first
    seen on or before as_of_date only). Asserts that each gets exactly one play."""
    rows = []
    for customer_id, attributes in sorted(customers.items()):
        plays = matching_plays(playbook, attributes)
        assert len(plays) == 1, f"{customer_id} {attributes}: {plays}"
        (play,) = plays
        rows.append(
            {
                "customer_id": customer_id,
                "play_id": play.play_id,
                "play": play.play,
                "channel": play.channel,
                "service_level": play.service_level,
                "reason": reason(play),
                **{a: attributes[a] for a in ATTRIBUTES},
                "priority": play.priority,
                "as_of_date": as_of,
            }
        )
    return rows


def compute_alerts(
    snapshots: list[date],
    tiers: dict[date, dict[str, str]],
    stages: dict[date, dict[str, str]],
    tier_rank: dict[str, int],
    value: dict[str, dict],
    alert_vars: dict | None = None,
) -> list[dict]:
    """fct_tier_alerts at the last snapshot of `snapshots` against the one before it.
    tiers / stages: snapshot -> customer_id -> tier / lifecycle stage (customers scored / seen
    then); value: customer_id -> predicted_clv, clv_quantile, high_value_at_risk."""
    v = {**ALERT_VARS, **(alert_vars or {})}
    if len(snapshots) < 2:
        return []
    previous, last = snapshots[-2], snapshots[-1]
    alerts = []
    for customer_id, to_stage in stages[last].items():
        from_stage = stages[previous].get(customer_id)
        from_tier = tiers[previous].get(customer_id)
        to_tier = tiers[last].get(customer_id)
        tier_drop = 0
        if from_tier is not None and to_tier is not None:
            tier_drop = max(tier_rank[from_tier] - tier_rank[to_tier], 0)
        stage_drop = 0
        if STAGE_HEALTH.get(from_stage) is not None and STAGE_HEALTH.get(to_stage) is not None:
            stage_drop = max(STAGE_HEALTH[from_stage] - STAGE_HEALTH[to_stage], 0)
        if tier_drop == 0 and stage_drop == 0:
            continue
        customer_value = value.get(customer_id, {})
        quantile = customer_value.get("clv_quantile")
        at_risk = customer_value.get("high_value_at_risk") is True
        points = tier_drop * (tier_rank[from_tier] if tier_drop else 0)
        points += stage_drop * v["alert_stage_drop_points"]
        score = points * (1 + (quantile or 0)) + (
            v["alert_high_value_at_risk_points"] if at_risk else 0
        )
        if score >= v["alert_severe_score"]:
            severity = "severe"
        elif score >= v["alert_moderate_score"]:
            severity = "moderate"
        else:
            severity = "minor"
        alerts.append(
            {
                "customer_id": customer_id,
                "severity": severity,
                "from_tier": from_tier,
                "to_tier": to_tier,
                "from_lifecycle_stage": from_stage,
                "to_lifecycle_stage": to_stage,
                "tier_drop": tier_drop,
                "stage_drop": stage_drop,
                "predicted_clv": customer_value.get("predicted_clv"),
                "clv_quantile": quantile,
                "severity_score": float(score),
                "is_tier_worsened": tier_drop > 0,
                "is_stage_worsened": stage_drop > 0,
                "is_high_value_at_risk": at_risk,
                "previous_snapshot_date": previous,
                "snapshot_date": last,
            }
        )
    alerts.sort(key=lambda row: (-row["severity_score"], row["customer_id"]))
    for rank, row in enumerate(alerts, start=1):
        row["severity_rank"] = rank
    return alerts
