"""Benchmarks: ``python -m bench.<name>``; each exposes ``run(quick: bool) -> dict``."""
