"""Log records that say which order and workflow they belong to, as text for people or JSON for shippers.

:func:`configure_logging` sets up the root logger of a process (the API, the worker, ``c2m up``'s children).
:class:`OrderContext` fills ``order_id``, ``workflow_id`` and ``activity`` on every record from, in order:
the record's own ``extra``, Temporal's ``temporal_activity``/``temporal_workflow`` extras (added by
``activity.logger`` and ``workflow.logger``), the running activity (:func:`temporalio.activity.info`), and
the API request being served (:data:`request_order`, set by :class:`RequestLogContext`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio import activity

from orchestrator.security.log_masking import PersonalDataMask

#: The order an API request is about (its path names it); ``None`` outside such requests.
request_order: ContextVar[str | None] = ContextVar("c2m_request_order", default=None)

CONTEXT_FIELDS = ("order_id", "workflow_id", "activity")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"

# Order workflows run under the order id; a sourcing child's id starts with it (``<order>-r<n>-src-<item>``).
_SOURCING_ID = re.compile(r"^(?P<order>.+)-r\d+-src-")
_ORDER_PATH = re.compile(r"^/api/orders/(?P<order>[^/]+)")
_TEMPORAL_EXTRAS = ("temporal_workflow", "temporal_activity", "temporal_update")
# Attributes every LogRecord has: whatever else a record carries came in through ``extra``.
# (uvicorn's ``color_message`` repeats the message with terminal colours: no use in JSON.)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "context", "color_message"}


def order_of(workflow_type: str | None, workflow_id: str | None) -> str | None:
    """The order a workflow works for, when its id says so (orders and their sourcing children)."""
    if not workflow_id:
        return None
    if workflow_type == "Order":
        return workflow_id
    if workflow_type == "Sourcing":
        match = _SOURCING_ID.match(workflow_id)
        return match.group("order") if match else None
    return None


class OrderContext(logging.Filter):
    """Adds ``order_id``, ``workflow_id``, ``activity`` (``None`` when unknown) and ``context`` (a text suffix)."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = {name: getattr(record, name, None) for name in CONTEXT_FIELDS}
        details = getattr(record, "temporal_activity", None) or getattr(record, "temporal_workflow", None)
        if isinstance(details, Mapping):
            _fill(found, details.get("workflow_type"), details.get("workflow_id"), details.get("activity_type"))
        elif activity.in_activity():
            info = activity.info()
            _fill(found, info.workflow_type, info.workflow_id, info.activity_type)
        if found["order_id"] is None:
            found["order_id"] = request_order.get()
        for name, value in found.items():
            setattr(record, name, value)
        known = " ".join(f"{name}={value}" for name, value in found.items() if value)
        record.context = f" [{known}]" if known else ""
        return True


def _fill(found: dict[str, Any], workflow_type: str | None, workflow_id: str | None, activity_type: str | None) -> None:
    found["workflow_id"] = found["workflow_id"] or workflow_id
    found["activity"] = found["activity"] or activity_type
    found["order_id"] = found["order_id"] or order_of(workflow_type, workflow_id)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, service, the order context, and extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in out and value is not None:
                out[name] = value  # caller's extra=..., including Temporal's temporal_* details
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def configure_logging(
    service: str, json: bool = False, level: int = logging.INFO, personal_keys: Iterable[str] = (),
) -> None:
    """Send every logger's records to stderr, as JSON lines (``json``) or text; replaces earlier set-up.

    Personal data is masked on the way out (e-mails, phone numbers, values of customer fields and of
    ``personal_keys``, e.g. the catalog's personal options): see docs/privacy.md.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(OrderContext())
    handler.addFilter(PersonalDataMask(personal_keys))
    handler.setFormatter(JsonFormatter(service) if json else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("asyncua").setLevel(logging.WARNING)  # its INFO level logs every published value


class RequestLogContext:
    """ASGI middleware: records logged while serving ``/api/orders/{order_id}...`` carry that order id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _ORDER_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        token = request_order.set(match.group("order"))
        try:
            await self.app(scope, receive, send)
        finally:
            request_order.reset(token)


__all__ = [
    "JsonFormatter", "OrderContext", "RequestLogContext", "configure_logging", "order_of", "request_order",
]
