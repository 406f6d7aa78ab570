"""MES simulator: a third-party-style MES taking ISA-95 / B2MML job orders over HTTP and dispatching
them onto the OPC UA plant simulator's lines. It imports nothing from the orchestrator or adapters.

Run it with ``python -m simulators.mes`` (see :func:`simulators.mes.cli.main`).
"""

from simulators.mes.cli import main

__all__ = ["main"]
