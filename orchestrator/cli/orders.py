"""``c2m order ...`` and ``c2m demo``: orders from the terminal, through the running API."""

from __future__ import annotations

import json
import time
import uuid
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from orchestrator.cli.demo_accounts import accounts_file, demo_token
from orchestrator.orders.stages import HAPPY_PATH, TERMINAL
from orchestrator.settings import load_settings

console = Console()
order_app = typer.Typer(help="Place, list, follow and cancel orders through the running API.", no_args_is_help=True)

ApiOption = Annotated[str | None, typer.Option("--api", help="API base URL (default from settings)")]
TokenOption = Annotated[str | None, typer.Option(
    "--token", envvar="C2M_TOKEN", show_default=False,
    help="API key sent as `Authorization: Bearer` (default: the demo admin key `c2m up` wrote to "
         "var/demo-accounts.json, else C2M_ADMIN_TOKEN)")]

SEED_EXAMPLE = {
    "sku": "aircon-split",
    "options": {"colour": "white", "self_cleaning": True},
    "quantity": 1,
    "customer": {"name": "Li Wei", "email": "li.wei@example.com"},
}


def _api(api: str | None, token: str | None) -> httpx.Client:
    """A client of the API that authenticates every call; exits with a hint when there is no key at all."""
    settings = load_settings()
    token = token or demo_token(settings) or settings.admin_token
    if not token:
        console.print(f"[red]✘ no API key: run `c2m up` first (it writes demo keys to {accounts_file(settings)}) "
                      "or pass --token (or set C2M_TOKEN)[/]")
        raise typer.Exit(2)
    return httpx.Client(base_url=api or settings.resolved_public_url, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def _fail(resp: httpx.Response) -> None:
    try:
        detail = resp.json().get("detail")
    except ValueError:
        detail = resp.text
    if resp.status_code == 401:
        console.print(f"[red]✘ 401: {detail}[/]\n  the API refused the key: pass a valid one with --token or "
                      "C2M_TOKEN (after a fresh `c2m up`, the demo keys in var/demo-accounts.json are new)")
        raise typer.Exit(1)
    if isinstance(detail, dict) and "errors" in detail:
        console.print(f"[red]✘ {detail.get('message')}[/]")
        for e in detail["errors"]:
            console.print(f"  [red]•[/] {e['option']}: {e['message']} [dim]({e['code']})[/]")
    else:
        console.print(f"[red]✘ {resp.status_code}: {detail}[/]")
    raise typer.Exit(1)


def _parse_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise typer.BadParameter(f"options are NAME=VALUE, got {text!r}")
    name, raw = text.split("=", 1)
    try:
        return name, json.loads(raw)
    except json.JSONDecodeError:
        return name, raw


@order_app.command("place")
def place(
    sku: Annotated[str, typer.Argument(help="product SKU, e.g. aircon-split")],
    option: Annotated[list[str] | None, typer.Option("--option", "-o", help="NAME=VALUE (JSON values)")] = None,
    quantity: Annotated[int, typer.Option(min=1)] = 1,
    name: str = "Demo Customer",
    email: str = "demo@example.com",
    special: Annotated[str | None, typer.Option(help="special requests (sends the order to approval)")] = None,
    consent: Annotated[bool, typer.Option("--consent", help="the customer consents to processing personal "
                                                            "options (body measurements, a monogram)")] = False,
    api: ApiOption = None,
    token: TokenOption = None,
) -> None:
    """Place an order and print its id, price, promised date and tracking link.

    With a customer's key the order is theirs; with an admin's it is placed for NAME/EMAIL.
    """
    body: dict[str, Any] = {"sku": sku, "options": dict(_parse_option(o) for o in option or []),
                            "quantity": quantity, "customer": {"name": name, "email": email},
                            "special_requests": special}
    if consent:
        body["consent"] = {"personal_data": True}
    with _api(api, token) as http:
        resp = http.post("/api/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    if resp.status_code >= 300:
        _fail(resp)
    o = resp.json()
    console.print(f"[green]✔[/] order [bold]{o['id']}[/] {o['status']}: {o['price_total']:.2f} {o['currency']}, "
                  f"promised {o['promised_date']}")
    console.print(f"  track it: {o['tracking_url']}")


@order_app.command("list")
def list_orders(status: str | None = None, limit: int = 20, api: ApiOption = None, token: TokenOption = None) -> None:
    """The newest orders (a customer's key lists only that customer's)."""
    with _api(api, token) as http:
        resp = http.get("/api/orders", params={k: v for k, v in {"status": status, "limit": limit}.items() if v})
    if resp.status_code >= 300:
        _fail(resp)
    table = Table("order", "product", "qty", "status", "promised", "eta")
    for o in resp.json()["items"]:
        eta = (o["eta"] or "")[:16]
        table.add_row(o["id"], o["sku"], str(o["quantity"]), o["status"], o["promised_date"][:16], eta)
    console.print(table)


@order_app.command("show")
def show(order_id: str, api: ApiOption = None, token: TokenOption = None) -> None:
    """One order with its milestone trail."""
    with _api(api, token) as http:
        resp = http.get(f"/api/orders/{order_id}")
    if resp.status_code >= 300:
        _fail(resp)
    o = resp.json()
    console.print(f"[bold]{o['id']}[/] {o['sku']} ×{o['quantity']}: [bold]{o['status']}[/] "
                  f"(promised {o['promised_date'][:16]}, eta {(o['eta'] or '-')[:16]})")
    table = Table("plant time", "event", "detail", box=None, pad_edge=False)
    for m in o["milestones"]:
        payload = dict(m["payload"])
        what = payload.pop("stage", None) or payload.pop("item", None) or payload.pop("message", None) or ""
        detail = ", ".join(f"{k}={v}" for k, v in payload.items() if not isinstance(v, list | dict))
        table.add_row(m["plant_time"][:16].replace("T", " "), f"{m['kind']} {what}".strip(), detail[:80])
    console.print(table)


@order_app.command("cancel")
def cancel(order_id: str, reason: str = "cancelled from the terminal", api: ApiOption = None,
           token: TokenOption = None) -> None:
    """Cancel an order; its compensations run in reverse."""
    with _api(api, token) as http:
        resp = http.post(f"/api/orders/{order_id}/cancel", json={"reason": reason})
    if resp.status_code >= 300:
        _fail(resp)
    console.print(f"[green]✔[/] cancel accepted for {order_id}")


@order_app.command("watch")
def watch(order_ids: Annotated[list[str], typer.Argument(help="one or more order ids")],
          timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 600,
          api: ApiOption = None, token: TokenOption = None) -> None:
    """Follow orders live until each reaches an end state."""
    code = _watch(order_ids, timeout, api, token)
    raise typer.Exit(code)


def _watch(order_ids: list[str], timeout: float, api: str | None, token: str | None) -> int:
    deadline = time.monotonic() + timeout
    states: dict[str, dict[str, Any]] = {}
    with _api(api, token) as http, Live(console=console, refresh_per_second=4) as live:
        while time.monotonic() < deadline:
            for oid in order_ids:
                resp = http.get(f"/api/orders/{oid}")
                if resp.status_code == 200:
                    states[oid] = resp.json()
            live.update(_progress_table(states))
            if states and all(s["status"] in {t.value for t in TERMINAL} for s in states.values()) \
                    and len(states) == len(order_ids):
                return 0
            time.sleep(1.0)
    console.print("[yellow]stopped watching: time limit reached[/]")
    return 1


def _progress_table(states: dict[str, dict[str, Any]]) -> Table:
    path = [s.value for s in HAPPY_PATH]
    table = Table("order", "product", "stage", "progress", "promised", "eta", "last event")
    for oid, o in states.items():
        stage = o["status"]
        done = path.index(stage) + 1 if stage in path else len(path)
        bar = "█" * done + "░" * (len(path) - done)
        colour = "green" if stage == "delivered" else "red" if stage in ("cancelled", "failed", "rejected") else "cyan"
        last = o["milestones"][-1] if o["milestones"] else {"kind": ""}
        table.add_row(oid, o["sku"], f"[{colour}]{stage}[/]", bar, o["promised_date"][:16], (o["eta"] or "")[:16],
                      last["kind"])
    return table


def demo(api: ApiOption = None, token: TokenOption = None, timeout: float = 900) -> None:
    """Place the seed example (a white air conditioner with self-cleaning) and others; follow them to delivery.

    Needs an admin's key (the default): it orders on the customers' behalf and approves as a planner would.
    """
    others = [
        {"sku": "ebike-city", "options": {}, "quantity": 2,
         "customer": {"name": "Anna Berg", "email": "anna@example.com"}},
        {"sku": "suit-mtm", "quantity": 1,
         "options": {"fabric": "wool_navy", "height": 180, "chest": 100, "waist": 86, "seat": 102, "shoulder": 46,
                     "sleeve": 64, "jacket_length": 76, "inseam": 82, "monogram": "ZM"},
         "customer": {"name": "Zhang Min", "email": "zhang.min@example.com"},
         "consent": {"personal_data": True},  # measurements and a monogram are personal data
         "special_requests": "monogram in gold thread, please"},
    ]
    ids = []
    with _api(api, token) as http:
        for body in [SEED_EXAMPLE, *others]:
            resp = http.post("/api/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
            if resp.status_code >= 300:
                _fail(resp)
            o = resp.json()
            ids.append(o["id"])
            console.print(f"[green]✔[/] {o['id']} {body['sku']}: promised {o['promised_date'][:16]}, "
                          f"track at {o['tracking_url']}")
        suit = ids[-1]
        console.print(f"[dim]{suit} has a special request, so it waits for a planner's approval…[/]")
        deadline = time.monotonic() + 60
        while http.get(f"/api/orders/{suit}").json()["status"] != "awaiting_approval":
            if time.monotonic() > deadline:
                console.print("[yellow]the suit never reached the approval gate[/]")
                raise typer.Exit(1)
            time.sleep(0.5)
        resp = http.post(f"/api/orders/{suit}/approve", json={"comment": "gold thread in stock; approved by the demo"})
        if resp.status_code >= 300:
            _fail(resp)
        console.print(f"[green]✔[/] {suit} approved (as a planner would, in the console or with POST /approve)")
    raise typer.Exit(_watch(ids, timeout, api, token))
