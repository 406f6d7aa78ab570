"""Which suite checks which kind of adapter: ``line`` → :mod:`.lines`, ``mes`` → :mod:`.mes`,
``suppliers`` → :mod:`.suppliers`.

A suite module exposes ``DRIVER`` (the pydantic model of the conformance file's ``driver`` section) and
``rules(adapter, settings, context, driver) -> list[Rule]``. Modules are imported only when asked for,
so one kind's suite missing or broken never stops another's.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Literal

from orchestrator.ports.journal import AdapterKind

SuiteKind = Literal["line", "mes", "suppliers"]

#: The suite module and the adapter kind of each ``--kind``.
SUITES: dict[str, tuple[str, AdapterKind]] = {
    "line": ("lines", AdapterKind.LINE),
    "mes": ("mes", AdapterKind.MES),
    "suppliers": ("suppliers", AdapterKind.SUPPLIER),
}


class SuiteUnavailable(LookupError):
    """No suite for this kind in this version of c2m."""


def adapter_kind(kind: str) -> AdapterKind:
    """The adapter kind a suite kind checks."""
    return SUITES[kind][1]


def suite(kind: str) -> ModuleType:
    """The suite module of ``kind`` (:class:`SuiteUnavailable` when there is none)."""
    if kind not in SUITES:
        raise SuiteUnavailable(f"no conformance suite for kind {kind!r}; kinds are {', '.join(SUITES)}")
    name = f"{__package__}.{SUITES[kind][0]}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise SuiteUnavailable(f"the {kind} conformance suite is not part of this version of c2m") from None
