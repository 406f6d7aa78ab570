"""The stages an order passes through, in the factory's words, and what each allows."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """An order's stage. The happy path runs top to bottom; the last three end it otherwise."""

    RECEIVED = "received"
    AWAITING_APPROVAL = "awaiting_approval"
    PLANNED = "planned"
    SOURCING = "sourcing"
    MATERIALS_RESERVED = "materials_reserved"
    SCHEDULED = "scheduled"
    IN_PRODUCTION = "in_production"
    QUALITY_CHECK = "quality_check"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    FAILED = "failed"


HAPPY_PATH: tuple[Stage, ...] = (
    Stage.RECEIVED,
    Stage.AWAITING_APPROVAL,
    Stage.PLANNED,
    Stage.SOURCING,
    Stage.MATERIALS_RESERVED,
    Stage.SCHEDULED,
    Stage.IN_PRODUCTION,
    Stage.QUALITY_CHECK,
    Stage.PACKED,
    Stage.SHIPPED,
    Stage.DELIVERED,
)

TERMINAL: frozenset[Stage] = frozenset({Stage.DELIVERED, Stage.CANCELLED, Stage.REJECTED, Stage.FAILED})


def is_terminal(stage: Stage) -> bool:
    """True once nothing more will happen to the order."""
    return stage in TERMINAL


def cancel_refusal(stage: Stage) -> str | None:
    """Why a cancel is refused at this stage, or None when it is allowed (until the goods ship)."""
    if stage in (Stage.SHIPPED, Stage.DELIVERED):
        return f"the order is already {stage.value}; it can no longer be cancelled (ask for a return instead)"
    if stage in TERMINAL:
        return f"the order is already {stage.value}"
    return None
