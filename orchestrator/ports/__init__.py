"""Contracts the core owns and adapters implement: MES, supplier SCM and line status."""
