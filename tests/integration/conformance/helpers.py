"""Writing conformance files for the tests, and reading outcomes back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from orchestrator.integration.conformance.config import load_conformance
from orchestrator.integration.conformance.outcome import RuleOutcome, Verdict
from orchestrator.integration.conformance.runner import run


def write_config(path: Path, **doc: Any) -> Path:
    """A conformance file with these top-level keys."""
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


async def run_file(path: Path) -> list[RuleOutcome]:
    """Every outcome of the file's suite."""
    return [outcome async for outcome in run(load_conformance(path))]


def report(outcomes: Sequence[RuleOutcome]) -> str:
    """Outcomes with their exchanges, for assertion messages."""
    lines = []
    for o in outcomes:
        lines.append(f"{o.verdict.value.upper()} {o.rule}: {o.found}")
        lines += [f"    {e.sent} -> {e.received}" for e in o.exchanges]
    return "\n".join(lines)


def verdicts(outcomes: Sequence[RuleOutcome]) -> dict[str, Verdict]:
    """Rule name -> verdict."""
    return {o.rule: o.verdict for o in outcomes}
