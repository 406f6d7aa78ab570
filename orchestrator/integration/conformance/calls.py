"""Calls made during a check, noted as exchanges: what was sent, what came back (or what was raised).

``ask`` notes a call and returns its answer (re-raising what it raised); ``expect_refusal`` notes a
call that must raise one of the port's typed errors and turns any other outcome into a broken rule;
``poll`` asks again until an answer satisfies a condition, noting the first answer and every change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from orchestrator.integration.conformance.outcome import Evidence, RuleBroken

T = TypeVar("T")

Shown = Callable[[Any], str]


class NotReached(Exception):
    """A polled condition did not come true in time: the check could not go on (no verdict)."""


def raised(exc: BaseException) -> str:
    """An exception as the exchanges show it."""
    return f"raised {type(exc).__name__}: {exc}"


async def ask(evidence: Evidence, sent: str, call: Awaitable[T], show: Shown = repr) -> T:
    """Await ``call``, noting ``sent`` and its answer (or the exception, which propagates)."""
    try:
        answer = await call
    except Exception as exc:
        evidence.note(sent, raised(exc))
        raise
    evidence.note(sent, show(answer))
    return answer


async def expect_refusal(
    evidence: Evidence,
    sent: str,
    call: Awaitable[Any],
    refusal: type[BaseException],
    retry_later: tuple[type[BaseException], ...] = (),
    show: Shown = repr,
) -> BaseException:
    """Await ``call``, which must raise ``refusal``; an answer or another exception breaks the rule.

    ``retry_later`` errors (the endpoint is unavailable) propagate: they mean "could not check".
    """
    try:
        answer = await call
    except refusal as exc:
        evidence.note(sent, raised(exc))
        return exc
    except retry_later as exc:
        evidence.note(sent, raised(exc))
        raise
    except Exception as exc:
        evidence.note(sent, raised(exc))
        raise RuleBroken(f"{sent} {raised(exc)}, not {refusal.__name__}") from exc
    evidence.note(sent, show(answer))
    raise RuleBroken(f"{sent} answered {show(answer)} instead of raising {refusal.__name__}")


async def poll(
    evidence: Evidence,
    sent: str,
    call: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    timeout: float,
    what: str,
    show: Shown = repr,
    every: float = 0.05,
    seen: Callable[[T], Any] = lambda answer: answer,
) -> T:
    """Call until ``done(answer)``; raise :class:`NotReached` naming ``what`` and the last answer after
    ``timeout`` wall seconds. Notes the first answer and each one that differs (by ``seen``) from the last."""
    deadline = time.monotonic() + timeout
    last: Any = object()
    while True:
        answer = await call()
        if seen(answer) != last:
            evidence.note(f"{sent} (polled)", show(answer))
            last = seen(answer)
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise NotReached(f"{what} not reached within {timeout:g} s; last answer {show(answer)}")
        await asyncio.sleep(every)

