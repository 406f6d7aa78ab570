"""Compensations recorded as steps succeed and run in reverse when the order is cancelled or fails."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from workflows.order.types import CompensationOutcome

Compensation = Callable[[], Awaitable[CompensationOutcome]]


@dataclass
class Saga:
    """A stack of named compensations; ``unwind`` runs them newest first and reports each outcome."""

    steps: list[tuple[str, Compensation]] = field(default_factory=list)

    def push(self, name: str, undo: Compensation) -> None:
        """Remember how to undo a step that has just succeeded (once per name)."""
        if all(existing != name for existing, _ in self.steps):
            self.steps.append((name, undo))

    async def unwind(self) -> list[CompensationOutcome]:
        """Undo everything in reverse order; one failing compensation does not stop the others."""
        outcomes = []
        while self.steps:
            name, undo = self.steps.pop()
            try:
                outcomes.append(await undo())
            except Exception as exc:  # recorded on the trail for a planner to follow up
                outcomes.append(CompensationOutcome(step=name, ok=False, detail=f"{exc.__class__.__name__}: {exc}"))
        return outcomes
