"""What one conformance rule found: the rule, what was sent, what came back, what was expected.

Every kind's suite (``lines``, ``mes``, ``suppliers``) is a list of :class:`Rule` objects; running one
gives a :class:`RuleOutcome`. The runner prints each outcome as it arrives and exits non-zero when any
rule failed, so an integrator sees which promise their adapter breaks and the exchange that showed it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """``passed``; ``failed``: the adapter broke the rule; ``error``: the check could not be carried out
    (endpoint down, setup refused): no verdict on the adapter, but the run still fails."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


@dataclass(frozen=True)
class Exchange:
    """One call made during a check: what was sent and what came back (both as people read them)."""

    sent: str
    received: str


@dataclass(frozen=True)
class RuleOutcome:
    """The verdict on one rule, with the exchanges that led to it and what was expected."""

    rule: str
    verdict: Verdict
    expected: str
    found: str
    exchanges: tuple[Exchange, ...] = ()
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED


@dataclass
class Evidence:
    """Collects a check's exchanges while it runs; ``note`` adds one."""

    exchanges: list[Exchange] = field(default_factory=list)

    def note(self, sent: str, received: Any) -> None:
        self.exchanges.append(Exchange(sent, received if isinstance(received, str) else repr(received)))


class RuleBroken(AssertionError):
    """Raised inside a check when the adapter's answer breaks the rule: ``found`` says what came instead."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


@dataclass(frozen=True)
class Rule:
    """One promise our workflows rely on. ``check`` raises :class:`RuleBroken` when it is broken, returns a
    short description of what it found when it holds, and lets other exceptions mean "could not check"."""

    name: str
    expected: str
    check: Callable[[Evidence], Awaitable[str]]
