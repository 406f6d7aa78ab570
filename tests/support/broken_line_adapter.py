"""Line adapters with one deliberate bug each, for showing that the conformance suite names the broken rule.

Both wrap our ``opcua`` adapter and change one thing about its stream:

- ``opcua-doubled-completions`` reports every ``job_completed`` twice (a consumer without dedupe keys
  would finish an order's operation twice);
- ``opcua-no-snapshot`` drops the first snapshot after each connection (a consumer would not know the
  line's state until something changed).

:func:`registered` makes them installed adapters for the test's duration the way a package would: a
``*.dist-info`` folder with ``entry_points.txt`` on ``sys.path``, then the registry's cache forgotten.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.opcua.spec import OPCUA_LINES, OpcUaLineSettings
from orchestrator.integration import registry
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import (
    LineEvent,
    LineEventKind,
    LineStatusBinding,
    LineStatusSource,
    LineStatusSourceFactory,
)


class _Bent:
    """The wrapped source's events, with every completion doubled or each first snapshot dropped."""

    def __init__(self, inner: LineStatusSource, doubled: bool) -> None:
        self.inner, self.doubled = inner, doubled

    async def events(self) -> AsyncIterator[LineEvent]:
        skip_snapshot = True
        async for event in self.inner.events():
            if event.kind is LineEventKind.CONNECTION and event.values.get("status") == "connected":
                skip_snapshot = True
            if not self.doubled and event.kind is LineEventKind.SNAPSHOT and skip_snapshot:
                skip_snapshot = False
                continue
            yield event
            if self.doubled and event.kind is LineEventKind.JOB_COMPLETED:
                yield event

    async def close(self) -> None:
        await self.inner.close()


def _bent(doubled: bool) -> Any:
    def build(settings: OpcUaLineSettings, context: AdapterContext) -> LineStatusSourceFactory:
        inner = OPCUA_LINES.build(settings, context)

        def open_source(binding: LineStatusBinding, *, known_completed: Iterable[str] | None = None) -> _Bent:
            # The opcua source follows bindings of its own name only.
            ours = binding.model_copy(update={"adapter": OPCUA_LINES.name})
            return _Bent(inner(ours, known_completed=known_completed), doubled)

        return open_source

    return build


DOUBLED_COMPLETIONS: AdapterSpec[OpcUaLineSettings] = AdapterSpec(
    name="opcua-doubled-completions", kind=AdapterKind.LINE, settings=OpcUaLineSettings, build=_bent(True),
    summary="opcua, but every job_completed is reported twice (a deliberate bug)",
)
NO_SNAPSHOT: AdapterSpec[OpcUaLineSettings] = AdapterSpec(
    name="opcua-no-snapshot", kind=AdapterKind.LINE, settings=OpcUaLineSettings, build=_bent(False),
    summary="opcua, but the first snapshot after connecting is dropped (a deliberate bug)",
)


@contextmanager
def registered(folder: Path) -> Iterator[None]:
    """Both broken adapters installed in the ``c2m.adapters.lines`` entry point group while the block runs."""
    dist = folder / "c2m_broken_lines-0.0.0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: c2m-broken-lines\nVersion: 0.0.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[c2m.adapters.lines]\n"
        f"{DOUBLED_COMPLETIONS.name} = tests.support.broken_line_adapter:DOUBLED_COMPLETIONS\n"
        f"{NO_SNAPSHOT.name} = tests.support.broken_line_adapter:NO_SNAPSHOT\n",
        encoding="utf-8",
    )
    sys.path.append(str(folder))
    registry.forget()
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        registry.forget()
