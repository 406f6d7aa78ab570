"""Shared pieces of the simulators (they stand for other vendors\x27 systems and import nothing of c2m)."""
