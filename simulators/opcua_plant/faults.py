"""Seeded randomness of a line: which units are scrapped and when the line breaks down.

Every draw is a pure function of (seed, line, what, index), so a restarted simulator makes the
same decisions it would have made without the restart, and a test run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Stop reasons of random breakdowns (code, message).
BREAKDOWNS: tuple[tuple[int, str], ...] = (
    (201, "Material jam"),
    (202, "Tool worn: tool change"),
    (203, "Sensor fault"),
    (204, "Drive overload"),
    (205, "Safety door opened"),
)


@dataclass(frozen=True)
class Breakdown:
    """One random failure: after how much operating time, for how long, and what it does."""

    after_seconds: float  # operating (Execute) plant seconds after the previous failure
    repair_seconds: float
    aborts: bool
    code: int
    message: str


@dataclass(frozen=True)
class FaultModel:
    """Seeded defects and breakdowns of one line; ``enabled=False`` makes the line perfect."""

    seed: int
    line: str
    mtbf_hours: float = 0.0
    mttr_minutes: float = 30.0
    abort_share: float = 0.0
    defect_rate: float = 0.0
    enabled: bool = True

    def _rng(self, what: str, index: int | str) -> random.Random:
        return random.Random(f"{self.seed}:{self.line}:{what}:{index}")

    def is_defective(self, job_order_id: str, unit_index: int) -> bool:
        """Whether unit number ``unit_index`` (0-based) of a job comes out defective."""
        if not self.enabled or self.defect_rate <= 0:
            return False
        return self._rng(f"defect:{job_order_id}", unit_index).random() < self.defect_rate

    def breakdown(self, index: int) -> Breakdown | None:
        """The ``index``-th breakdown of the line (None when breakdowns are off)."""
        if not self.enabled or self.mtbf_hours <= 0:
            return None
        rng = self._rng("breakdown", index)
        after = rng.expovariate(1.0 / (self.mtbf_hours * 3600.0))
        repair = rng.expovariate(1.0 / (self.mttr_minutes * 60.0)) if self.mttr_minutes > 0 else 0.0
        aborts = rng.random() < self.abort_share
        code, message = BREAKDOWNS[rng.randrange(len(BREAKDOWNS))]
        # A repair takes at least a minute: a zero-length hold would be invisible to every client.
        return Breakdown(after, max(repair, 60.0), aborts, code, message)
