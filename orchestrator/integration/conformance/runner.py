"""Run a kind's rules against a live endpoint, one after the other, yielding each outcome as it ends.

The runner builds nothing the rules do not: each rule opens the port it uses through :func:`open_port`
(the adapter's own factory, closed when the rule ends), so one rule's broken connection never spills
into the next. A rule that breaks its promise is ``failed``; one whose check could not be carried out
(an unexpected exception, the time limit) is ``error`` with the exception's text; neither stops the
rules after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.conformance.config import Conformance
from orchestrator.integration.conformance.kinds import suite
from orchestrator.integration.conformance.outcome import Evidence, Rule, RuleBroken, RuleOutcome, Verdict
from orchestrator.integration.spec import AdapterContext, AdapterSpec, close_port

#: The pseudo-rule reported when the suite cannot even be set up (the adapter refuses to build).
SETUP_RULE = "setup"


@contextlib.asynccontextmanager
async def open_port(adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext) -> AsyncIterator[Any]:
    """The port the adapter builds from ``settings`` and ``context``, closed on leaving."""
    port = adapter.build(settings, context)
    try:
        yield port
    finally:
        await close_port(port)


def context_for(conformance: Conformance) -> AdapterContext:
    """The context the suite builds the adapter with: the target, and no journal or shared client."""
    return AdapterContext(target=conformance.target)


async def run_rule(rule: Rule, timeout: float) -> RuleOutcome:
    """Run one rule's check, bounded by ``timeout`` wall seconds, and judge it."""
    evidence = Evidence()
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            found = await rule.check(evidence)
        verdict = Verdict.PASSED
    except RuleBroken as broken:
        verdict, found = Verdict.FAILED, broken.found
    except TimeoutError:
        verdict, found = Verdict.ERROR, f"the check did not finish within {timeout:g} s (rule_timeout)"
    except Exception as exc:  # whatever went wrong, the other rules still run
        verdict, found = Verdict.ERROR, f"{type(exc).__name__}: {exc}"
    return RuleOutcome(rule.name, verdict, rule.expected, found, tuple(evidence.exchanges),
                       round(time.perf_counter() - started, 3))


async def run_rules(rules: Sequence[Rule], timeout: float) -> AsyncIterator[RuleOutcome]:
    """Each rule's outcome, in order, as soon as it ends."""
    for rule in rules:
        yield await run_rule(rule, timeout)


async def run(conformance: Conformance) -> AsyncIterator[RuleOutcome]:
    """Every rule of the file's kind against its endpoint; a suite that cannot be set up is one ``error``."""
    context = context_for(conformance)
    started = time.perf_counter()
    try:
        async with open_port(conformance.adapter, conformance.settings, context):
            pass  # the factory accepts these settings: a mistake here concerns every rule at once
        rules = suite(conformance.kind).rules(conformance.adapter, conformance.settings, context, conformance.driver)
    except Exception as exc:
        yield RuleOutcome(SETUP_RULE, Verdict.ERROR, f"the {conformance.adapter.name} adapter builds its port "
                          "from the settings", f"{type(exc).__name__}: {exc}",
                          seconds=round(time.perf_counter() - started, 3))
        return
    async for outcome in run_rules(rules, conformance.rule_timeout):
        yield outcome
