"""MES adapters: implementations of :class:`orchestrator.ports.mes.MesPort`.

``HttpMesAdapter`` speaks the B2MML job order API of the bundled MES simulator over HTTP.
"""

from adapters.mes.http import HttpMesAdapter

__all__ = ["HttpMesAdapter"]
