"""Precedence between the operations of one routing: reference checks, cycle detection, ordering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from orchestrator.catalog.model import Operation
from orchestrator.catalog.problems import CatalogProblem
from orchestrator.catalog.scope import FileContext


def order_operations(context: FileContext, operations: Sequence[Operation], owner: str) -> tuple[Operation, ...]:
    """Operations in an order where each comes after everything it must follow.

    Unknown ``after`` references are reported and dropped; a cycle is reported once with its path.
    The order is stable: among operations free to go next, the one listed first goes first.
    """
    by_id = {op.id: op for op in operations}
    cleaned: list[Operation] = []
    for op in operations:
        kept = []
        for ref in op.after:
            if ref == op.id:
                context.problems.append(
                    _problem(op, "routing_cycle", f"operation {op.id!r} of {owner} cannot come after itself")
                )
            elif ref not in by_id:
                context.problems.append(
                    _problem(
                        op,
                        "unknown_operation",
                        f"operation {op.id!r} of {owner} comes after {ref!r}, which is not in the routing",
                    )
                )
            else:
                kept.append(ref)
        cleaned.append(replace(op, after=tuple(dict.fromkeys(kept))))
    ordered: list[Operation] = []
    placed: set[str] = set()
    remaining = list(cleaned)
    while remaining:
        ready = next((op for op in remaining if all(ref in placed for ref in op.after)), None)
        if ready is None:
            cycle = _find_cycle({op.id: op.after for op in remaining})
            context.problems.append(
                _problem(
                    by_id[cycle[0]],
                    "routing_cycle",
                    f"operations of {owner} wait on each "
                    f"other in a cycle ('x -> y' means x waits for y): {' -> '.join(cycle)}",
                )
            )
            # Keep the rest in listed order so later checks still see every operation.
            ordered += [replace(op, after=tuple(r for r in op.after if r in placed)) for op in remaining]
            break
        ordered.append(ready)
        placed.add(ready.id)
        remaining.remove(ready)
    return tuple(ordered)


def _find_cycle(after: dict[str, tuple[str, ...]]) -> list[str]:
    """A cycle in the 'must come after' graph restricted to the operations that could not be placed."""
    start = next(iter(after))
    path: list[str] = []
    node = start
    while node not in path:
        path.append(node)
        node = next(ref for ref in after[node] if ref in after)
    return [*path[path.index(node) :], node]


def _problem(op: Operation, code: str, message: str) -> CatalogProblem:
    return CatalogProblem.at(op.source, code, message)
