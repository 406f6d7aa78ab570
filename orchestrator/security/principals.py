"""Who is calling and what each role may do: the access rules, as plain data (no web framework here).

Four roles (docs/security.md): a **customer** places and follows their own orders; a **planner** oversees
and steers the plant schedule; an **integrator** runs the adapters and the simulators' fault injection; an
**admin** may do everything, including reading the audit log and answering privacy requests. A tracking
link is no role: its token reads one order and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    PLANNER = "planner"
    INTEGRATOR = "integrator"
    ADMIN = "admin"


class Permission(StrEnum):
    PLACE_ORDERS = "place orders"
    READ_ANY_ORDER = "read any order"
    ACT_ON_ANY_ORDER = "cancel or change any order"
    STEER_PLANT = "steer the plant schedule"
    READ_PLANT = "read the plant schedule and lines"
    READ_SUPPLIERS = "read suppliers"
    ADMINISTER_ADAPTERS = "administer adapters"
    INJECT_FAULTS = "inject simulator faults"
    READ_AUDIT = "read the audit log"
    ANSWER_PRIVACY_REQUESTS = "export or erase a customer's personal data"
    MANAGE_ACCOUNTS = "manage accounts and API keys"
    SEE_PERSONAL_DATA = "see other people's personal data"


_STAFF_READ = {Permission.READ_ANY_ORDER, Permission.READ_PLANT, Permission.READ_SUPPLIERS}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CUSTOMER: frozenset({Permission.PLACE_ORDERS}),
    Role.PLANNER: frozenset(_STAFF_READ | {Permission.STEER_PLANT, Permission.ACT_ON_ANY_ORDER}),
    Role.INTEGRATOR: frozenset(_STAFF_READ | {Permission.ADMINISTER_ADAPTERS, Permission.INJECT_FAULTS}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the key it used, its role, and for a customer the customer id it acts for."""

    key_id: str
    role: Role
    name: str
    customer_id: str | None = None

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"{self.role.value}:{self.key_id}"

    def owns(self, customer_id: str) -> bool:
        return self.role is Role.CUSTOMER and self.customer_id is not None and self.customer_id == customer_id


def roles_with(permission: Permission) -> list[str]:
    """The roles granted ``permission``, for error messages that say what would be allowed."""
    return [role.value for role in Role if permission in GRANTS[role]]
