"""What an adapter package registers: an :class:`AdapterSpec` (name, kind, settings model, factory).

The core owns the ports (``orchestrator/ports``); an adapter package owns how it connects. The spec
ties the two together without the core importing the package: the settings model (pydantic,
``extra="forbid"``) validates the adapter's part of the configuration when the configuration is
loaded, so a typo fails at start with the file and the key, not at the first order; the factory
builds the port from those validated settings and the few shared things an :class:`AdapterContext`
carries.

What ``build`` returns, by kind:

- ``line``: a :class:`~orchestrator.ports.lines.LineStatusSourceFactory` (the monitor calls it with
  the line's :class:`~orchestrator.ports.lines.LineStatusBinding` each time it needs a new source);
- ``mes``: a :class:`~orchestrator.ports.mes.MesPort`;
- ``supplier``: a :class:`~orchestrator.ports.suppliers.SupplierPort` for ``context.target``.

A port that holds connections may offer ``async aclose()``; whoever built it calls it when done.

Two optional capabilities (``None`` by default, so a spec that leaves them out keeps working):

- ``read_despatch_advice`` (supplier adapters): turns the body of the supplier's ASN webhook into our
  :class:`~orchestrator.ports.suppliers.DespatchAdvice`, or raises
  :class:`~orchestrator.ports.suppliers.SupplierProtocolError`. The API reads the webhooks posted to
  ``/api/webhooks/suppliers/{supplier id}/despatch-advice`` with it (after checking the signature); a
  supplier whose adapter has none cannot post ASNs (422), its shipments are learnt from order status.
- ``control`` (line adapters): builds a :class:`~orchestrator.ports.lines.LineControl` for the line
  from the same settings and context as ``build`` (demo fault injection and the conformance suite's
  job commands use it). A control that holds connections offers ``async close()`` (or ``aclose()``);
  whoever built it calls :func:`close_control` when done.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel

from orchestrator.ports.journal import AdapterKind, Journal
from orchestrator.ports.lines import LineControl
from orchestrator.ports.suppliers import DespatchAdvice

SettingsT = TypeVar("SettingsT", bound=BaseModel)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AdapterContext:
    """The shared things a factory may use besides its settings (all owned by the caller).

    ``target``: what the port is for: the line id, the supplier id, or ``mes``.
    ``default_endpoint``: where the deployment's own simulator for this target lives, for settings that
    leave the endpoint out (``None`` when there is no such default).
    ``clock``: plant time for stamping events. ``journal``: where raw messages go (``None``: nowhere).
    ``http``: a client shared by the adapters of one kind (``None``: the adapter makes its own).
    """

    target: str
    default_endpoint: str | None = None
    clock: Callable[[], datetime] = _utc_now
    journal: Journal | None = None
    http: httpx.AsyncClient | None = None


@dataclass(frozen=True)
class AdapterSpec(Generic[SettingsT]):
    """One installable adapter: register an instance in the entry point group of its ``kind``.

    ``name`` is what configuration files write (``status.adapter: opcua``) and must equal the entry
    point's name. ``settings`` validates the adapter's settings (use ``extra="forbid"`` so a misspelt
    key is an error). ``build`` turns validated settings and a context into the port (see the module).
    ``summary`` is one line for ``c2m adapters list``. ``read_despatch_advice`` (supplier adapters) and
    ``control`` (line adapters) are optional capabilities (see the module).
    """

    name: str
    kind: AdapterKind
    settings: type[SettingsT]
    build: Callable[[SettingsT, AdapterContext], Any]
    summary: str = ""
    read_despatch_advice: Callable[[bytes], DespatchAdvice] | None = None
    control: Callable[[SettingsT, AdapterContext], LineControl] | None = None

    def endpoint_of(self, settings: BaseModel, context: AdapterContext) -> str | None:
        """The URL these settings connect to, for people (the ``endpoint`` setting, else the default)."""
        endpoint = getattr(settings, "endpoint", None)
        return str(endpoint) if endpoint else context.default_endpoint


async def close_port(port: object) -> None:
    """Call the port's ``aclose()`` if it has one (ports holding connections offer it)."""
    aclose = getattr(port, "aclose", None)
    if aclose is not None:
        await aclose()


async def close_control(control: object) -> None:
    """Close a line control built by a spec's ``control``: its ``aclose()`` or ``close()``, if it has one."""
    close = getattr(control, "aclose", None) or getattr(control, "close", None)
    if close is not None:
        done = close()
        if inspect.isawaitable(done):
            await done
