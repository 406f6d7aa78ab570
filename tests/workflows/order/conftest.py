"""Fixtures of the order-workflow tests (see ``harness``)."""

from tests.workflows.order.harness import orders  # noqa: F401 - fixture, used by name
