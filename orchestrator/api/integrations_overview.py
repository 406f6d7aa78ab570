"""Every configured adapter and how its connection stands: what ``GET /api/integrations`` answers.

Where the state comes from:

* lines: the line monitor's own view (``line_status.connection``: connected / reconnecting / down);
  a line no monitor has reported on yet is down. The OPC UA endpoint is probed for its latency.
* the MES and each supplier: a live probe now (the MES's health endpoint, the supplier's endpoint),
  combined with the past: a failing probe on an endpoint that was up within :data:`RECENT` (a good
  message in the journal or a good probe) is *reconnecting*, otherwise *down*.
* the webhook receiver is this API: connected while it answers.

The last message time of every adapter comes from the adapter journal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from orchestrator.api.routes import webhooks
from orchestrator.api.schemas_integrations import (
    AdapterView,
    ConnectionState,
    IntegrationsView,
    Problem,
    TemporalView,
)
from orchestrator.integration.mes import mes_adapter
from orchestrator.integration.suppliers import SupplierConfig, load_supplier_configs
from orchestrator.persistence import adapter_journal
from orchestrator.persistence.tables.plant import LineStatusRow
from orchestrator.plant import Plant, load_plant
from orchestrator.ports.journal import AdapterKind
from orchestrator.probes import ProbeResult, probe_http, probe_opcua, probe_temporal
from orchestrator.settings import Settings

LINE_STATUS = LineStatusRow.__table__  # type: ignore[attr-defined]
#: How long an endpoint counts as "was up" after its last good message or probe.
RECENT = timedelta(seconds=60)
WEBHOOK_ENDPOINT = webhooks.ENDPOINT
WEBHOOK_PATH = f"{webhooks.router.prefix}/{webhooks.ENDPOINT}"


def http_state(probe_up: bool, last_up: datetime | None, now: datetime, recent: timedelta = RECENT) -> ConnectionState:
    """An HTTP endpoint's state: up now, or failing after being up recently, or down."""
    if probe_up:
        return "connected"
    if last_up is not None and now - last_up <= recent:
        return "reconnecting"
    return "down"


@dataclass
class ProbeMemory:
    """When each endpoint last answered a probe (kept by the API process between requests)."""

    last_up: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def note(self, key: tuple[str, str], result: ProbeResult, now: datetime) -> datetime | None:
        """Remember a good probe; returns when the endpoint last answered (None: never seen up)."""
        if result.up:
            self.last_up[key] = now
        return self.last_up.get(key)


@dataclass(frozen=True)
class _Http:
    kind: AdapterKind
    endpoint: str
    name: str
    adapter: str
    url: str
    probe_url: str


def _latest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return max(present) if present else None


def _messages_url(kind: AdapterKind, endpoint: str) -> str:
    return f"/api/integrations/{kind.value}/{quote(endpoint, safe='')}/messages"


class IntegrationsOverview:
    """Builds :class:`IntegrationsView` for one API process from its settings, plant and supplier files."""

    def __init__(self, settings: Settings, engine: Engine, plant: Plant | None = None,
                 suppliers: Sequence[SupplierConfig] | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.plant = plant or load_plant(settings.plant_file)
        self.suppliers = list(suppliers if suppliers is not None else
                              load_supplier_configs(settings.suppliers_file, settings.resolved_suppliers_url))
        self.memory = ProbeMemory()

    def _http_targets(self) -> list[_Http]:
        spec, mes_settings, context = mes_adapter(self.settings)
        mes_url = (spec.endpoint_of(mes_settings, context) or self.settings.resolved_mes_url).rstrip("/")
        targets = [_Http(AdapterKind.MES, "mes", "MES", self.settings.mes_adapter, mes_url, f"{mes_url}/api/v1/health")]
        targets += [
            _Http(AdapterKind.SUPPLIER, s.supplier_id, s.name or s.supplier_id, s.adapter, s.url or "", s.url or "")
            for s in self.suppliers
        ]
        return targets

    def _read_database(self) -> tuple[dict[tuple[str, str], adapter_journal.LastSeen], dict[str, str]]:
        """The journal's last messages and each line's connection as its monitor last wrote it."""
        seen = adapter_journal.last_seen(self.engine)
        with self.engine.connect() as conn:
            rows = conn.execute(select(LINE_STATUS.c.line, LINE_STATUS.c.connection)).all()
        return seen, {line: connection for line, connection in rows}

    async def view(self) -> IntegrationsView:
        """Probe every endpoint (concurrently, each bounded to a second) and read the journal."""
        settings = self.settings
        bindings = [self.plant.status_binding(line, settings.resolved_opcua_url) for line in self.plant.line_ids]
        opcua_urls = sorted({b.endpoint for b in bindings if b.adapter == "opcua"})
        targets = self._http_targets()
        database = asyncio.create_task(asyncio.to_thread(self._read_database))
        async with httpx.AsyncClient(timeout=1.0) as client:
            temporal, *probes = await asyncio.gather(
                probe_temporal(settings.temporal_address),
                *(probe_http(t.endpoint, t.probe_url, client) for t in targets),
                *(probe_opcua(url, url) for url in opcua_urls),
            )
        seen, connections = await database
        http_probes = probes[: len(targets)]
        opcua_probes = dict(zip(opcua_urls, probes[len(targets):], strict=True))
        now = datetime.now(UTC)
        adapters: list[AdapterView] = []
        for binding in bindings:
            last = seen.get((AdapterKind.LINE.value, binding.line))
            state, problem = _line_state(connections.get(binding.line))
            probe = opcua_probes.get(binding.endpoint)
            adapters.append(AdapterView(
                kind=AdapterKind.LINE, endpoint=binding.line, name=self.plant.line(binding.line).name,
                adapter=binding.adapter, url=binding.endpoint, state=state, problem=problem,
                detail=probe.detail if probe is not None and not probe.up else None,
                latency_ms=probe.latency_ms if probe is not None and probe.up else None,
                last_message_at=last.last_at if last else None,
                messages_url=_messages_url(AdapterKind.LINE, binding.line),
            ))
        for target, probe in zip(targets, http_probes, strict=True):
            key = (target.kind.value, target.endpoint)
            last = seen.get(key)
            last_up = _latest(self.memory.note(key, probe, now), last.last_ok_at if last else None)
            adapters.append(AdapterView(
                kind=target.kind, endpoint=target.endpoint, name=target.name, adapter=target.adapter, url=target.url,
                state=http_state(probe.up, last_up, now), problem=_http_problem(probe, last),
                detail=None if probe.up else probe.detail,
                latency_ms=probe.latency_ms if probe.up else None,
                last_message_at=last.last_at if last else None,
                messages_url=_messages_url(target.kind, target.endpoint),
            ))
        adapters.append(self._webhook(seen))
        return IntegrationsView(
            adapters=adapters,
            temporal=TemporalView(address=settings.temporal_address, ui_url=settings.resolved_temporal_ui_url,
                                  state="connected" if temporal.up else "down",
                                  latency_ms=temporal.latency_ms if temporal.up else None),
            checked_at=now,
        )

    def _webhook(self, seen: dict[tuple[str, str], adapter_journal.LastSeen]) -> AdapterView:
        last = seen.get((AdapterKind.WEBHOOK.value, WEBHOOK_ENDPOINT))
        return AdapterView(
            kind=AdapterKind.WEBHOOK, endpoint=WEBHOOK_ENDPOINT, name="Despatch advice (ASN)", adapter="ubl-webhook",
            url=self.settings.resolved_public_url.rstrip("/") + WEBHOOK_PATH, state="connected",
            problem="last_failed" if _last_failed(last) else None,
            last_message_at=last.last_at if last else None,
            messages_url=_messages_url(AdapterKind.WEBHOOK, WEBHOOK_ENDPOINT),
        )


def _last_failed(last: adapter_journal.LastSeen | None) -> bool:
    return last is not None and last.last_failed_at is not None and last.last_failed_at == last.last_at


def _line_state(connection: str | None) -> tuple[ConnectionState, Problem | None]:
    if connection is None:
        return "down", "no_monitor"
    if connection == "connected":
        return "connected", None
    state: ConnectionState = "reconnecting" if connection == "reconnecting" else "down"
    return state, "link_lost"


def _http_problem(probe: ProbeResult, last: adapter_journal.LastSeen | None) -> Problem | None:
    if not probe.up:
        return "unreachable"
    return "last_failed" if _last_failed(last) else None
