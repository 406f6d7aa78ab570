"""A workflow whose one activity asks a supplier for a quote: the shortest path API → workflow → adapter.

Kept apart from the test module so the workflow sandbox imports only this.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from adapters.suppliers.http import HttpSupplierAdapter
    from orchestrator.ports.suppliers import QuoteRequest


@activity.defn(name="tracing_probe.ask_quote")
async def ask_quote(supplier_url: str) -> str:
    """Ask the supplier at ``supplier_url`` (its ``quick-parts`` endpoint) for a quote through the real adapter."""
    async with HttpSupplierAdapter("quick-parts", supplier_url) as port:
        quote = await port.request_quote(QuoteRequest(rfq_id=f"RFQ-{uuid.uuid4().hex[:8]}", item="widget",
                                                      quantity=Decimal(3)))
    return quote.quote_id


@workflow.defn(name="TracingProbe")
class TracingProbeWorkflow:
    """Runs one activity that calls a supplier."""

    @workflow.run
    async def run(self, supplier_url: str) -> str:
        return await workflow.execute_activity(ask_quote, supplier_url, start_to_close_timeout=timedelta(seconds=20))
