"""How ``c2m adapters conformance`` shows outcomes: one block per rule as it ends, or JSON at the end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from rich.console import Console

from orchestrator.integration.conformance.outcome import RuleOutcome, Verdict

_LABEL = {Verdict.PASSED: "[green]PASS[/green]", Verdict.FAILED: "[red]FAIL[/red]",
          Verdict.ERROR: "[yellow]ERROR[/yellow]"}


def print_outcome(console: Console, outcome: RuleOutcome) -> None:
    """The verdict, the rule, what was expected and found, then every exchange: sent → received."""
    console.print(f"{_LABEL[outcome.verdict]} {outcome.rule} ({outcome.seconds:.1f} s)", highlight=False)

    def plain(text: str) -> None:  # what endpoints send is shown as is: no markup, no colouring, no wrapping
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    plain(labelled("  expected: ", outcome.expected))
    plain(labelled("  found:    ", outcome.found))
    for exchange in outcome.exchanges:
        plain(labelled("    sent:     ", exchange.sent))
        plain(labelled("    received: ", exchange.received))


def labelled(label: str, text: str) -> str:
    """``label`` then ``text``, its further lines indented under the first (event lists span lines)."""
    return label + text.replace("\n", "\n" + " " * len(label))


def summary(outcomes: Sequence[RuleOutcome]) -> str:
    """``N rules: P passed, F failed, E errors`` and, when any did not pass, which."""
    count = {v: sum(1 for o in outcomes if o.verdict is v) for v in Verdict}
    text = (f"{len(outcomes)} rules: {count[Verdict.PASSED]} passed, {count[Verdict.FAILED]} failed, "
            f"{count[Verdict.ERROR]} errors")
    broken = [f"{o.rule} ({o.verdict.value})" for o in outcomes if not o.passed]
    return text + (f"; not passed: {', '.join(broken)}" if broken else "")


def as_json(kind: str, adapter: str, target: str, outcomes: Sequence[RuleOutcome]) -> str:
    """The whole run as one JSON document."""
    doc: dict[str, Any] = {
        "kind": kind, "adapter": adapter, "target": target,
        "passed": bool(outcomes) and all(o.passed for o in outcomes),
        "outcomes": [{**asdict(o), "verdict": o.verdict.value} for o in outcomes],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
