"""Response bodies of the integrations API: every configured adapter, its state and its recent messages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from orchestrator.ports.journal import AdapterKind

ConnectionState = Literal["connected", "reconnecting", "down"]
#: What is wrong, as a code a page can put in the reader's language: no line monitor has reported yet,
#: the link to the line was lost, the endpoint does not answer, its last exchange failed.
Problem = Literal["no_monitor", "link_lost", "unreachable", "last_failed"]


class AdapterView(BaseModel):
    """One configured adapter endpoint and how its connection stands."""

    kind: AdapterKind
    endpoint: str = Field(description="the line id, 'mes', the supplier id, or the webhook's name")
    name: str = Field(description="what the configuration calls it (line name, supplier name, ...)")
    adapter: str = Field(description="the adapter that speaks to it, e.g. opcua, b2mml-http, ubl-http")
    url: str = Field(description="where it is reached (or, for a webhook, where it is received)")
    state: ConnectionState
    problem: Problem | None = Field(default=None, description="what is wrong, if anything")
    detail: str | None = Field(default=None, description="the technical detail (e.g. what the probe saw)")
    latency_ms: float | None = Field(default=None, description="round trip of the last probe")
    last_message_at: datetime | None = Field(default=None, description="last journal message (wall time, UTC)")
    messages_url: str = Field(description="its recent raw messages")


class TemporalView(BaseModel):
    """The workflow engine and where its UI is."""

    address: str
    ui_url: str
    state: ConnectionState
    latency_ms: float | None = None


class IntegrationsView(BaseModel):
    """Every configured adapter (lines, MES, suppliers, webhooks) and the workflow engine."""

    adapters: list[AdapterView]
    temporal: TemporalView
    checked_at: datetime


class MessageView(BaseModel):
    """One raw message an adapter sent or received."""

    id: int
    direction: Literal["sent", "received"]
    summary: str
    body: str | None
    ok: bool
    at: datetime = Field(description="wall time, UTC")
