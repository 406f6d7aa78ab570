"""Fixtures of the supplier integration tests: the real simulator and a real ASN receiver."""

from tests.fixtures.suppliers import asn_receiver, supplier_sim  # noqa: F401 - fixtures, used by name
