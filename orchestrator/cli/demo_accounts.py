"""Demo accounts of ``c2m up`` in dev mode: one API key per role, kept in ``var/demo-accounts.json``.

Every page and API call past the catalog needs a key, so a developer who just ran ``c2m up`` gets four:
the seed example's customer (Li Wei, filed under the same customer id the intake gives her e-mail, so
orders placed for ``li.wei@example.com`` are hers), a planner, an integrator and an admin. The tokens go
to a file only its owner may read; a restart reuses them while they still authenticate, so bookmarked
links keep working, and replaces any that no longer do (revoked, or a fresh database). Production mode
creates none: there an admin issues keys with ``POST /api/accounts``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from orchestrator.persistence import accounts_repo
from orchestrator.persistence.db import make_engine
from orchestrator.security.keys import vault_for
from orchestrator.security.principals import Role
from orchestrator.settings import Settings

FILE_NAME = "demo-accounts.json"
DEMO_CUSTOMER_EMAIL = "li.wei@example.com"
NAMES: dict[Role, str] = {
    Role.CUSTOMER: "Li Wei",
    Role.PLANNER: "Demo planner",
    Role.INTEGRATOR: "Demo integrator",
    Role.ADMIN: "Demo admin",
}


@dataclass(frozen=True)
class DemoAccount:
    """One demo key as the file keeps it."""

    role: Role
    name: str
    key_id: str
    token: str
    customer_id: str | None = None


def accounts_file(settings: Settings) -> Path:
    return settings.var_dir / FILE_NAME


def read_accounts(path: Path) -> dict[Role, DemoAccount]:
    """The accounts in ``path``; a missing or unreadable file holds none (they are issued again)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {Role(role): DemoAccount(**{**entry, "role": Role(role)})
                for role, entry in raw["accounts"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def demo_token(settings: Settings, role: Role = Role.ADMIN) -> str | None:
    """The token of the demo ``role`` account, if ``c2m up`` wrote one (the CLI's default credential)."""
    account = read_accounts(accounts_file(settings)).get(role)
    return account.token if account else None


def _write(path: Path, accounts: dict[Role, DemoAccount]) -> None:
    """Write the file readable by its owner only, replacing it atomically (never half-written)."""
    body: dict[str, Any] = {
        "note": "API keys of c2m up's demo accounts (dev mode only). Keep this file private.",
        "accounts": {role.value: {k: v for k, v in asdict(a).items() if k != "role"} for role, a in accounts.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out, indent=2)
        out.write("\n")
    os.chmod(tmp, 0o600)  # the file may have existed with wider rights
    os.replace(tmp, path)


def _still_valid(engine: Engine, account: DemoAccount | None, role: Role, customer_id: str | None) -> bool:
    if account is None:
        return False
    principal = accounts_repo.authenticate(engine, account.token)
    return principal is not None and principal.role is role and principal.customer_id == customer_id


def ensure_on(engine: Engine, settings: Settings) -> dict[Role, DemoAccount]:
    """Reuse the file's keys that still authenticate, issue the missing ones, and rewrite the file."""
    path = accounts_file(settings)
    saved = read_accounts(path)
    customer_id = vault_for(settings).customer_id(DEMO_CUSTOMER_EMAIL)
    accounts: dict[Role, DemoAccount] = {}
    for role, name in NAMES.items():
        wanted_customer = customer_id if role is Role.CUSTOMER else None
        known = saved.get(role)
        if known is not None and _still_valid(engine, known, role, wanted_customer):
            accounts[role] = known
            continue
        with engine.begin() as conn:
            issued = accounts_repo.issue_key(conn, role, name, wanted_customer)
        accounts[role] = DemoAccount(role, name, issued.principal.key_id, issued.token, wanted_customer)
    _write(path, accounts)
    return accounts


def ensure_demo_accounts(settings: Settings) -> dict[Role, DemoAccount]:
    """:func:`ensure_on` with an engine of its own (``c2m up`` calls it once, after the migrations)."""
    engine = make_engine(settings.resolved_database_url)
    try:
        return ensure_on(engine, settings)
    finally:
        engine.dispose()


def page_links(base_url: str, accounts: dict[Role, DemoAccount]) -> list[tuple[str, str]]:
    """Pages opened as a demo account: the key rides in the URL fragment, which browsers never send to the
    server; the page keeps it on the device and drops it from the address bar."""
    links = [("Shop as Li Wei (customer)", "/shop", Role.CUSTOMER),
             ("Planner console (planner)", "/planner", Role.PLANNER),
             ("Integrations (integrator)", "/integrations", Role.INTEGRATOR),
             ("Planner console (admin: also fault injection)", "/planner", Role.ADMIN)]
    base = base_url.rstrip("/")
    return [(label, f"{base}{page}#key={accounts[role].token}") for label, page, role in links if role in accounts]
