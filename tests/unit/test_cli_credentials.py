"""Which API key the ``c2m order`` commands send, and ``c2m up``'s demo accounts file format."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from orchestrator.cli import orders, up
from orchestrator.cli.demo_accounts import DemoAccount, demo_token, page_links, read_accounts
from orchestrator.cli.main import app
from orchestrator.security.principals import Role
from orchestrator.settings import load_settings


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state folder of its own and no credential in the environment."""
    monkeypatch.setenv("C2M_VAR_DIR", str(tmp_path))
    for name in ("C2M_TOKEN", "C2M_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _write_demo_file(var_dir: Path, admin: str) -> None:
    accounts = {"admin": {"key_id": "aaaaaaaaaaaa", "name": "Demo admin", "token": admin, "customer_id": None},
                "customer": {"key_id": "bbbbbbbbbbbb", "name": "Li Wei", "token": "c2m_customer",
                             "customer_id": "CUS-1"}}
    (var_dir / "demo-accounts.json").write_text(json.dumps({"accounts": accounts}))


def test_without_any_key_the_cli_says_how_to_get_one(var_dir: Path) -> None:
    result = CliRunner().invoke(app, ["order", "list"])
    assert result.exit_code == 2
    assert "run `c2m up` first" in result.output and "--token" in result.output


def test_the_demo_admin_key_is_the_default_and_token_or_c2m_token_win(var_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _write_demo_file(var_dir, "c2m_admin_from_file")
    with orders._api(None, None) as http:
        assert http.headers["Authorization"] == "Bearer c2m_admin_from_file"
    with orders._api(None, "c2m_given") as http:
        assert http.headers["Authorization"] == "Bearer c2m_given"
    monkeypatch.setenv("C2M_TOKEN", "c2m_from_env")  # typer reads it for --token
    seen: list[str | None] = []

    def record(api: str | None, token: str | None) -> None:
        seen.append(token)
        raise typer.Exit(0)

    monkeypatch.setattr(orders, "_api", record)
    assert CliRunner().invoke(app, ["order", "list"]).exit_code == 0
    assert seen == ["c2m_from_env"]


def test_the_accounts_file_reads_back_and_a_broken_one_holds_none(var_dir: Path) -> None:
    _write_demo_file(var_dir, "c2m_admin")
    accounts = read_accounts(var_dir / "demo-accounts.json")
    assert accounts[Role.CUSTOMER] == DemoAccount(Role.CUSTOMER, "Li Wei", "bbbbbbbbbbbb", "c2m_customer", "CUS-1")
    assert demo_token(load_settings(), Role.CUSTOMER) == "c2m_customer"
    links = dict(page_links("http://shop.example/", accounts))
    assert links["Shop as Li Wei (customer)"] == "http://shop.example/shop#key=c2m_customer"
    assert "Planner console (planner)" not in links  # no planner in this file
    (var_dir / "demo-accounts.json").write_text("{not json")
    assert read_accounts(var_dir / "demo-accounts.json") == {}


def test_production_mode_creates_no_demo_accounts(var_dir: Path) -> None:
    settings = load_settings(mode="production", secret_key="s" * 40, webhook_secret="w" * 40,
                             data_keys="dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=",
                             database_url="sqlite:////nonexistent/never-opened.db")
    assert asyncio.run(up._demo_accounts(settings)) == {}
    assert not (var_dir / "demo-accounts.json").exists()
