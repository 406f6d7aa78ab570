"""The supplier conformance suite against the real supplier simulator, with ASNs posted to the suite.

Our ``ubl-http`` adapter keeps every rule, whether the simulator is told to ship at once (its admin API
or a shell command) or left to ship on its own; a broken adapter and a supplier signing with another
secret fail the rule they break; an adapter that reads no ASNs gets an error on the ASN rule. The command
line runs end to end with exit codes 0, 1 and 2.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from orchestrator.cli.main import app
from orchestrator.integration.conformance.outcome import Verdict
from tests.fixtures.suppliers import WEBHOOK_SECRET, SupplierSim
from tests.integration.conformance.helpers import report, run_file, verdicts, write_config
from tests.support.asn_adapters import asn_adapters_installed
from tests.support.broken_adapters import broken_adapters_installed

RULES = ["suppliers.unknown-po", "suppliers.place-idempotent", "suppliers.cancel", "suppliers.asn-signed"]
SUPPLIER = "quick-parts"


def supplier_config(path: Path, sim: SupplierSim, adapter: str = "ubl-http", **driver: Any) -> Path:
    """A conformance file for ``adapter`` on the simulator's quick supplier (widgets ship in minutes)."""
    return write_config(
        path, kind="suppliers", adapter=adapter, target=SUPPLIER,
        settings={"endpoint": sim.supplier_url(SUPPLIER)},
        driver={"item": "widget", "quantity": 5, "webhook_secret": WEBHOOK_SECRET,
                "despatch": {"admin_url": f"{sim.base_url}/admin"}, "ship_timeout": 15, "asn_timeout": 10,
                "poll_seconds": 0.05, **driver},
        rule_timeout=40,
    )


async def test_our_adapter_keeps_every_rule(supplier_sim: SupplierSim, tmp_path: Path) -> None:
    outcomes = await run_file(supplier_config(tmp_path / "s.yaml", supplier_sim))
    assert [o.rule for o in outcomes] == RULES
    assert all(o.passed for o in outcomes), report(outcomes)
    asn = next(o for o in outcomes if o.rule == "suppliers.asn-signed")
    assert any("X-C2M-Signature: t=" in e.received for e in asn.exchanges), report([asn])
    assert any("(driver: despatch now)" in e.sent for e in asn.exchanges), report([asn])
    # What the suite left at the supplier: POs that shipped, and the rest cancelled.
    states = {po["status"] for po in supplier_sim.purchase_orders(SUPPLIER)}
    assert states <= {"shipped", "delivered", "cancelled"}, supplier_sim.purchase_orders(SUPPLIER)


async def test_a_despatch_command_or_no_despatch_at_all(supplier_sim: SupplierSim, tmp_path: Path) -> None:
    script = ("import httpx, sys; httpx.post(sys.argv[1] + '/suppliers/' + sys.argv[2] + '/purchase-orders/' "
              "+ sys.argv[3] + '/despatch', timeout=5).raise_for_status()")
    admin = f"{supplier_sim.base_url}/admin"
    command = f"{shlex.quote(sys.executable)} -c {shlex.quote(script)} {admin} {{supplier}} {{po_id}}"
    outcomes = await run_file(supplier_config(tmp_path / "cmd.yaml", supplier_sim, despatch={"command": command}))
    assert all(o.passed for o in outcomes), report(outcomes)
    assert any(e.sent.startswith("$ ") and e.received.startswith("exit 0")
               for o in outcomes for e in o.exchanges), report(outcomes)
    # No despatch: widgets ship on their own within a wall second at the simulator's clock.
    outcomes = await run_file(supplier_config(tmp_path / "wait.yaml", supplier_sim, despatch={}))
    assert all(o.passed for o in outcomes), report(outcomes)


async def test_a_fresh_idempotency_key_each_call_breaks_placement(supplier_sim: SupplierSim, tmp_path: Path) -> None:
    with broken_adapters_installed():
        outcomes = await run_file(supplier_config(tmp_path / "s.yaml", supplier_sim, "ubl-http-fresh-key"))
    assert verdicts(outcomes) == {**dict.fromkeys(RULES, Verdict.PASSED),
                                  "suppliers.place-idempotent": Verdict.FAILED}, report(outcomes)
    broken = next(o for o in outcomes if o.rule == "suppliers.place-idempotent")
    assert "again with the same key raised IdempotencyConflict" in broken.found, broken.found


async def test_asns_signed_with_another_secret_break_the_signature_rule(supplier_sim: SupplierSim,
                                                                         tmp_path: Path) -> None:
    outcomes = await run_file(supplier_config(tmp_path / "s.yaml", supplier_sim, webhook_secret="not-the-secret"))
    assert verdicts(outcomes) == {**dict.fromkeys(RULES, Verdict.PASSED),
                                  "suppliers.asn-signed": Verdict.FAILED}, report(outcomes)
    broken = next(o for o in outcomes if o.rule == "suppliers.asn-signed")
    assert "signature is refused" in broken.found and "does not match the body" in broken.found, broken.found


def test_the_command_line_exits_0_1_and_2(supplier_sim: SupplierSim, tmp_path: Path) -> None:
    runner = CliRunner()
    argv = ["adapters", "conformance", "--kind", "suppliers", "--config"]
    good = supplier_config(tmp_path / "good.yaml", supplier_sim)
    done = runner.invoke(app, [*argv, str(good), "--adapter", "ubl-http", "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["passed"] is True and [o["rule"] for o in doc["outcomes"]] == RULES

    broken = supplier_config(tmp_path / "broken.yaml", supplier_sim, "ubl-http-fresh-key")
    with broken_adapters_installed():
        done = runner.invoke(app, [*argv, str(broken), "--adapter", "ubl-http-fresh-key"])
    assert done.exit_code == 1, done.output
    assert "FAIL suppliers.place-idempotent" in done.output, done.output
    assert "4 rules: 3 passed, 1 failed, 0 errors; not passed: suppliers.place-idempotent (failed)" in done.output

    bad = write_config(tmp_path / "bad.yaml", kind="suppliers", target=SUPPLIER,
                       driver={"item": "widget", "despatch": {"admin_url": "ftp://x"}})
    done = runner.invoke(app, [*argv, str(bad), "--adapter", "ubl-http"])
    assert done.exit_code == 2, done.output
    assert f"{bad}:3: driver.webhook_secret: required, but missing" in done.output, done.output
    assert f"{bad}:6: driver.despatch.admin_url: expected an http:// or https:// URL, got 'ftp://x'" in done.output


async def test_an_adapter_without_an_asn_reader_is_an_error_on_the_asn_rule(supplier_sim: SupplierSim,
                                                                           tmp_path: Path) -> None:
    with asn_adapters_installed():
        outcomes = await run_file(supplier_config(tmp_path / "s.yaml", supplier_sim, "no-asn-reader"))
    assert verdicts(outcomes) == {**dict.fromkeys(RULES, Verdict.PASSED),
                                  "suppliers.asn-signed": Verdict.ERROR}, report(outcomes)
    asn = next(o for o in outcomes if o.rule == "suppliers.asn-signed")
    assert "'no-asn-reader', which cannot read despatch advices" in asn.found, asn.found
    assert asn.exchanges == (), report([asn])  # said before placing anything
