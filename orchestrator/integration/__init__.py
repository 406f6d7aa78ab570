"""Adapters as plug-ins: specs found through Python entry points, validated settings, and checks.

An adapter package (ours or an integrator's) registers an :class:`~orchestrator.integration.spec.AdapterSpec`
in one of the entry point groups of :data:`~orchestrator.integration.registry.ENTRY_POINT_GROUPS`; the
plant file, the supplier file and the MES settings name it, and the composition roots build it through
:mod:`orchestrator.integration.registry`. See ``docs/integrators.md``.
"""
