"""Request and response bodies of the orders API (separate from the table models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl

MAX_OPTIONS = 200
"""Most options a configuration may name: far more than any product has, far fewer than a flood."""


class Customer(BaseModel):
    """Who orders. ``id`` defaults to the e-mail address."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)


CONSENT_TEXT_VERSION = "2026-11"
"""The version of the privacy notice the shop shows beside its consent box (docs/privacy.md)."""


class Consent(BaseModel):
    """The customer's consent as given with the order. Measurements and other personal options are
    processed only with ``personal_data`` true; contact details serve the contract itself."""

    model_config = ConfigDict(extra="forbid")

    personal_data: bool = Field(description="may c2m process the personal options (e.g. body measurements)")
    marketing: bool = Field(default=False, description="may we write about other products (never assumed)")
    text_version: str = Field(default=CONSENT_TEXT_VERSION, max_length=20,
                              description="the privacy notice the customer read")


class OrderCreate(BaseModel):
    """A customer's order for one configured product."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=80, examples=["aircon-split"])
    # Open: the catalog validates option ids and values (every problem named); only the count is bounded here.
    options: dict[str, Any] = Field(default_factory=dict, max_length=MAX_OPTIONS,
                                    examples=[{"colour": "white", "self_cleaning": True}])
    quantity: int = Field(default=1, ge=1, le=10_000)
    customer: Customer
    special_requests: str | None = Field(default=None, max_length=2000)
    notify_url: HttpUrl | None = None
    priority: int = Field(default=0, ge=0, le=10)
    consent: Consent | None = Field(default=None, description="required when the options hold personal data")


class Milestone(BaseModel):
    """One event of the order's trail."""

    id: int
    kind: str
    plant_time: datetime
    payload: dict[str, Any]


class OrderSummary(BaseModel):
    """An order as lists show it."""

    id: str
    sku: str
    quantity: int
    customer_id: str
    status: str
    promised_date: datetime
    eta: datetime | None
    price_total: float
    currency: str
    created_at: datetime
    tracking_url: str


class OrderDetail(OrderSummary):
    """An order with its configuration, plan, trail, work orders and purchase orders."""

    options: dict[str, Any]
    special_requests: str | None
    status_reason: str | None
    milestones: list[Milestone]
    plan: dict[str, Any]
    work_orders: list[dict[str, Any]]
    purchase_orders: list[dict[str, Any]]
    live: dict[str, Any] | None = Field(default=None, description="the workflow's own view, when reachable")


class OrderPage(BaseModel):
    """A page of orders."""

    items: list[OrderSummary]
    total: int
    limit: int
    offset: int


class DecisionBody(BaseModel):
    """A planner's approve/reject comment."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=2000)


class CancelBody(BaseModel):
    """Why the order is cancelled."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="cancelled by the customer", max_length=500)


class ChangeBody(BaseModel):
    """A new configuration (allowed before production starts)."""

    model_config = ConfigDict(extra="forbid")

    options: dict[str, Any] = Field(max_length=MAX_OPTIONS)
    quantity: int | None = Field(default=None, ge=1, le=10_000)
