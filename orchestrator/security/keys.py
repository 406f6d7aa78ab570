"""Building the cipher and the orders vault from settings (the composition roots and the repo's default)."""

from __future__ import annotations

from functools import lru_cache

from orchestrator.catalog.loader import load_catalog
from orchestrator.catalog.model import Catalog
from orchestrator.security.crypto import FieldCipher
from orchestrator.security.vault import Vault, personal_option_ids
from orchestrator.settings import Settings, load_settings


def cipher_for(settings: Settings) -> FieldCipher:
    """The field cipher of ``C2M_DATA_KEYS`` (dev: derived from ``C2M_SECRET_KEY``)."""
    return FieldCipher.from_config(settings.data_keys, settings.secret_key)


def vault_for(settings: Settings, catalog: Catalog | None = None) -> Vault:
    """The orders vault: the settings' keys and the catalog's personal options (loaded if not given)."""
    catalog = catalog if catalog is not None else load_catalog(settings.catalog_dir)
    return Vault(cipher_for(settings), personal_option_ids(catalog.products.values()))


@lru_cache(maxsize=1)
def default_vault() -> Vault:
    """The vault of this process's environment, for callers that were not handed one (tools, tests)."""
    return vault_for(load_settings())


def personal_options(settings: Settings) -> frozenset[str]:
    """The catalog's personal option ids, for the log filter (empty when the catalog cannot be read: the
    process that needs it reports the broken catalog itself)."""
    try:
        return personal_option_ids(load_catalog(settings.catalog_dir).products.values())
    except Exception:
        return frozenset()
