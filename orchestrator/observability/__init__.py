"""Observability: Prometheus metrics, OpenTelemetry traces and structured logs for the API and the worker.

One idea per module: ``logging`` (formats and the order context of log records), ``metrics`` (the API's
request metrics and ``/metrics``), ``db_metrics`` (orders and supplier outcomes read from the database on
scrape), ``worker_metrics`` (line-event lag on the Temporal runtime's meter), ``supplier_calls`` (supplier
call outcomes), ``tracing`` (the tracer provider, Temporal interceptors, server spans), ``http_tracing``
(client spans of outgoing httpx requests) and ``api`` (wiring all of it into the FastAPI app).
See ``docs/observability.md``.
"""
