"""The suppliers of a deployment and their SCM endpoints, each behind an :class:`HttpSupplierAdapter`.

Configured from the supplier YAML (``C2M_SUPPLIERS_FILE``): each supplier's ``id``, the items it
offers (``parts[].item``), and optionally its own ``endpoint``. Suppliers without an ``endpoint``
are reached at ``{default_base_url}/suppliers/{id}`` (the bundled simulator's layout).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import yaml

from adapters.http_journal import endpoint_by_prefix, install_journal_hooks
from adapters.suppliers.http import DEFAULT_TIMEOUT, HttpSupplierAdapter, new_client
from orchestrator.ports.journal import AdapterKind, Journal
from orchestrator.ports.suppliers import UnknownSupplier


@dataclass(frozen=True)
class SupplierEndpoint:
    """Where one supplier's SCM endpoint lives, and what it sells."""

    supplier_id: str
    base_url: str
    items: frozenset[str] = frozenset()
    name: str | None = None


def load_supplier_endpoints(path: Path | str, default_base_url: str) -> list[SupplierEndpoint]:
    """Read supplier ids, items and endpoints from the supplier YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: supplier file not found; set C2M_SUPPLIERS_FILE") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    suppliers = data.get("suppliers") if isinstance(data, dict) else None
    if not isinstance(suppliers, list) or not suppliers:
        raise ValueError(f"{path}: expected a non-empty 'suppliers:' list")
    out = []
    for n, entry in enumerate(suppliers):
        if not isinstance(entry, dict) or not entry.get("id"):
            raise ValueError(f"{path}: suppliers[{n}] has no 'id'")
        sid = str(entry["id"])
        base = entry.get("endpoint") or f"{default_base_url.rstrip('/')}/suppliers/{sid}"
        items = frozenset(str(p["item"]) for p in entry.get("parts") or [] if isinstance(p, dict) and "item" in p)
        out.append(SupplierEndpoint(sid, str(base), items, entry.get("name")))
    return out


class HttpSupplierDirectory:
    """Every configured supplier, sharing one HTTP client; implements ``SupplierDirectory``.

    With a ``journal``, every exchange is recorded there under its supplier's id.
    """

    def __init__(
        self,
        endpoints: list[SupplierEndpoint] | Mapping[str, str],
        *,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        buyer_id: str = "c2m",
        buyer_name: str = "C2M factory",
        journal: Journal | None = None,
    ) -> None:
        if isinstance(endpoints, Mapping):
            endpoints = [SupplierEndpoint(sid, url) for sid, url in endpoints.items()]
        self._client = client or new_client(timeout)
        self._owns_client = client is None
        self.endpoints = {e.supplier_id: e for e in endpoints}
        self._adapters = {
            e.supplier_id: HttpSupplierAdapter(
                e.supplier_id, e.base_url, client=self._client, buyer_id=buyer_id, buyer_name=buyer_name
            )
            for e in endpoints
        }
        if journal is not None:
            by_base = {e.supplier_id: e.base_url for e in endpoints}
            install_journal_hooks(self._client, journal, AdapterKind.SUPPLIER, endpoint_by_prefix(by_base))

    @classmethod
    def from_file(
        cls,
        path: Path | str,
        default_base_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        journal: Journal | None = None,
    ) -> HttpSupplierDirectory:
        """The directory of the supplier YAML file (see :func:`load_supplier_endpoints`)."""
        return cls(load_supplier_endpoints(path, default_base_url), client=client, timeout=timeout, journal=journal)

    def supplier_ids(self) -> list[str]:
        """Ids of every configured supplier."""
        return list(self._adapters)

    def supplier(self, supplier_id: str) -> HttpSupplierAdapter:
        """The adapter of one supplier."""
        try:
            return self._adapters[supplier_id]
        except KeyError:
            known = ", ".join(self._adapters) or "none"
            raise UnknownSupplier(supplier_id, f"no endpoint configured (configured: {known})") from None

    def suppliers_of(self, item: str) -> list[str]:
        """Ids of the suppliers whose configured parts include ``item``."""
        return [sid for sid, e in self.endpoints.items() if item in e.items]

    async def aclose(self) -> None:
        """Close the shared HTTP client (if the directory created it)."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> HttpSupplierDirectory:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
