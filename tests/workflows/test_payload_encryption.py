"""Workflow histories on the real Temporal server hold personal data only encrypted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from orchestrator.security.payload_codec import ENCODING
from orchestrator.temporal_client import connect_temporal
from workflows.contracts import ClockSpec
from workflows.order.types import OrderInput

EMAIL = "zhang.xiuying@example.com"


async def test_a_started_order_workflow_history_has_no_plaintext_personal_data(
    temporal_env: WorkflowEnvironment, task_queue: str,
) -> None:
    address = temporal_env.client.service_client.config.target_host
    client = await connect_temporal(address)
    order = OrderInput(order_id=f"ORD-{uuid.uuid4().hex[:8]}", sku="suit-mtm",
                       options={"fabric": "wool_navy", "chest": 103.25, "monogram": "ZXY"}, quantity=1,
                       customer_id="CUS-0123456789ABCDEF", special_requests=f"call me at {EMAIL}",
                       promised_date=datetime(2030, 5, 6, tzinfo=UTC), clock=ClockSpec(epoch=0.0, scale=1.0))
    # No worker polls this queue: the start event alone carries the input into the server's history.
    handle = await client.start_workflow("Order", order, id=order.order_id, task_queue=task_queue)
    try:
        # A client without the codec sees what the server stores.
        raw_client = await Client.connect(address, data_converter=pydantic_data_converter)
        history = await raw_client.get_workflow_handle(order.order_id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
        assert started.metadata["encoding"] == ENCODING
        # The events' protobuf bytes: a plain JSON payload would show its text here (to_json would base64 it).
        stored = b"".join(e.SerializeToString() for e in history.events)
        assert order.order_id.encode() in stored  # the check can see text: the workflow id is not encrypted
        for secret in (EMAIL, "103.25", "ZXY", "wool_navy"):
            assert secret.encode() not in stored, secret
        # The system's own converter reads it back.
        decoded = await client.data_converter.decode([started], [OrderInput])
        assert decoded[0] == order
    finally:
        await handle.terminate("test done")
