"""The ``csv-gateway`` line adapter as c2m sees it: its settings model and its factory.

Registered in this package's ``pyproject.toml``::

    [project.entry-points."c2m.adapters.lines"]
    csv-gateway = "c2m_csv_gateway.spec:SPEC"

This module stays light (pydantic and c2m's contracts only): c2m imports it to validate the plant
file, so httpx and the polling code are imported only when a line is actually followed.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING

from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import LineStatusBinding, LineStatusSource

from c2m_csv_gateway.settings import CsvGatewaySettings

if TYPE_CHECKING:
    from c2m_csv_gateway.source import CsvGatewayLineSource


class CsvGatewayLines:
    """The ``LineStatusSourceFactory`` of one line's settings; :meth:`aclose` ends every source it opened."""

    def __init__(self, settings: CsvGatewaySettings, context: AdapterContext) -> None:
        self.settings, self.context = settings, context
        self._open: weakref.WeakSet[CsvGatewayLineSource] = weakref.WeakSet()

    def __call__(self, binding: LineStatusBinding, *, known_completed: Iterable[str] | None = None) -> LineStatusSource:
        """A new, not yet connected source for ``binding.line`` (``states`` from the binding map raw states)."""
        from c2m_csv_gateway.source import CsvGatewayLineSource

        source = CsvGatewayLineSource(
            self.settings, binding, known_completed=known_completed, clock=self.context.clock,
            journal=self.context.journal,
        )
        self._open.add(source)
        return source

    async def aclose(self) -> None:
        """Close every source this factory opened that is still open."""
        for source in list(self._open):
            await source.close()


def _build(settings: CsvGatewaySettings, context: AdapterContext) -> CsvGatewayLines:
    return CsvGatewayLines(settings, context)


SPEC: AdapterSpec[CsvGatewaySettings] = AdapterSpec(
    name="csv-gateway", kind=AdapterKind.LINE, settings=CsvGatewaySettings, build=_build,
    summary="line status polled from a legacy PLC gateway's CSV export over HTTP",
)
