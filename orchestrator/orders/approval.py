"""The approval gate: which orders wait for a planner's decision, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApprovalPolicy:
    """Thresholds above which a person decides. Values are in the order's currency."""

    value_threshold: float = 20_000.0
    max_quantity: int = 20


def approval_reasons(
    special_requests: str | None, total_value: float, quantity: int, policy: ApprovalPolicy
) -> list[str]:
    """Reasons this order needs a planner's approval (empty: it goes straight to planning)."""
    reasons = []
    if special_requests and special_requests.strip():
        reasons.append("special requests need a planner to confirm they can be made")
    if total_value > policy.value_threshold:
        reasons.append(f"order value {total_value:,.2f} is above the approval threshold {policy.value_threshold:,.2f}")
    if quantity > policy.max_quantity:
        reasons.append(f"quantity {quantity} is above the usual maximum of {policy.max_quantity} per order")
    return reasons
