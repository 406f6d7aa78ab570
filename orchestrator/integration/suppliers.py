"""The suppliers of the supplier file, each behind the adapter it names (default ``ubl-http``).

Per supplier the file may set ``adapter:`` (a registered supplier adapter), ``endpoint:`` and
``adapter_settings:`` (a mapping of the adapter's other settings); ``endpoint`` and ``adapter_settings``
are validated together by the adapter's settings model when the file is read, and a problem names
the file and the key (``suppliers/default.yaml: suppliers[2].endpoint: expected an http:// ...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import yaml
from pydantic import BaseModel

from orchestrator.integration.registry import AdapterSettingsError, BadAdapter, UnknownAdapter, load_settings
from orchestrator.integration.spec import AdapterContext, AdapterSpec, close_port
from orchestrator.inventory.supplier_list import SupplierFileError
from orchestrator.ports.journal import AdapterKind, Journal
from orchestrator.ports.suppliers import SupplierPort, UnknownSupplier

DEFAULT_ADAPTER = "ubl-http"


@dataclass(frozen=True)
class SupplierConfig:
    """One supplier of the file: what it sells and the adapter (with validated settings) that reaches it."""

    supplier_id: str
    name: str | None
    items: frozenset[str]
    spec: AdapterSpec[Any]
    settings: BaseModel
    default_endpoint: str

    @property
    def adapter(self) -> str:
        """The adapter's registered name."""
        return self.spec.name

    @property
    def url(self) -> str | None:
        """The endpoint the adapter connects to, for people."""
        return self.spec.endpoint_of(self.settings, AdapterContext(self.supplier_id, self.default_endpoint))

    def context(self, journal: Journal | None = None, http: httpx.AsyncClient | None = None) -> AdapterContext:
        """The context to build this supplier's port with."""
        return AdapterContext(self.supplier_id, self.default_endpoint, journal=journal, http=http)


def load_supplier_configs(path: Path | str, default_base_url: str) -> list[SupplierConfig]:
    """Read and validate the suppliers of the supplier file (:class:`SupplierFileError` says what is wrong).

    A supplier without an endpoint is reached at ``{default_base_url}/suppliers/{id}`` (the simulator's layout).
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SupplierFileError(f"{path}: supplier file not found; set C2M_SUPPLIERS_FILE") from None
    except yaml.YAMLError as exc:
        raise SupplierFileError(f"{path}: not valid YAML: {exc}") from None
    entries = data.get("suppliers") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SupplierFileError(f"{path}: expected a non-empty 'suppliers:' list")
    configs: list[SupplierConfig] = []
    problems: list[str] = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("id"):
            problems.append(f"suppliers[{n}]: has no 'id'")
            continue
        try:
            configs.append(_config(n, entry, default_base_url))
        except SupplierFileError as exc:
            problems.append(str(exc))
    if problems:
        text = problems[0] if len(problems) == 1 else "\n  - " + "\n  - ".join(problems)
        raise SupplierFileError(f"{path}: {text}")
    return configs


def _config(n: int, entry: dict[str, Any], default_base_url: str) -> SupplierConfig:
    sid = str(entry["id"])
    extra = entry.get("adapter_settings") or {}
    if not isinstance(extra, dict):
        raise SupplierFileError(f"suppliers[{n}].adapter_settings: expected a mapping of the adapter's settings")
    raw = {**({"endpoint": entry["endpoint"]} if entry.get("endpoint") is not None else {}), **extra}
    name = str(entry.get("adapter") or DEFAULT_ADAPTER)
    try:
        spec, settings = load_settings(AdapterKind.SUPPLIER, name, raw)
    except (UnknownAdapter, BadAdapter) as exc:
        raise SupplierFileError(f"suppliers[{n}].adapter: {exc}") from None
    except AdapterSettingsError as exc:
        raise SupplierFileError("; ".join(
            f"suppliers[{n}].{'' if loc and loc[0] == 'endpoint' else 'adapter_settings.'}"
            f"{'.'.join(map(str, loc))}: {what}" for loc, what in exc.problems
        )) from None
    items = frozenset(str(p["item"]) for p in entry.get("parts") or [] if isinstance(p, dict) and "item" in p)
    return SupplierConfig(sid, entry.get("name"), items, spec, settings,
                          f"{default_base_url.rstrip('/')}/suppliers/{sid}")


def shared_client() -> httpx.AsyncClient:
    """The client the suppliers' adapters share (bounded timeouts, pooled keep-alive connections)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, connect=3.0),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        headers={"Accept": "application/json", "User-Agent": "c2m"},
    )


class AdapterSupplierDirectory:
    """Every configured supplier behind the port its adapter builds; implements ``SupplierDirectory``.

    The ports share one HTTP client (closed by :meth:`aclose`); with a ``journal`` the adapters record
    their exchanges there.
    """

    def __init__(self, configs: Sequence[SupplierConfig], *, journal: Journal | None = None) -> None:
        self._client = shared_client()
        self.configs = {c.supplier_id: c for c in configs}
        self._ports: dict[str, SupplierPort] = {
            c.supplier_id: c.spec.build(c.settings, c.context(journal, self._client)) for c in configs
        }

    @classmethod
    def from_file(cls, path: Path | str, default_base_url: str, *,
                  journal: Journal | None = None) -> AdapterSupplierDirectory:
        """The directory of the supplier file (see :func:`load_supplier_configs`)."""
        return cls(load_supplier_configs(path, default_base_url), journal=journal)

    def supplier_ids(self) -> list[str]:
        """Ids of every configured supplier."""
        return list(self._ports)

    def supplier(self, supplier_id: str) -> SupplierPort:
        """The port of one supplier (:class:`UnknownSupplier` if not configured)."""
        try:
            return self._ports[supplier_id]
        except KeyError:
            known = ", ".join(self._ports) or "none"
            raise UnknownSupplier(supplier_id, f"no endpoint configured (configured: {known})") from None

    def suppliers_of(self, item: str) -> list[str]:
        """Ids of the suppliers whose configured parts include ``item``."""
        return [sid for sid, c in self.configs.items() if item in c.items]

    async def aclose(self) -> None:
        """Close every port and the shared client."""
        for port in self._ports.values():
            await close_port(port)
        await self._client.aclose()

    async def __aenter__(self) -> AdapterSupplierDirectory:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
