"""``c2m catalog check`` and ``c2m catalog show``, run in-process through typer's runner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from orchestrator.catalog.items import main as items_main
from orchestrator.cli.main import app
from tests.unit.catalog.helpers import widget, write_catalog

runner = CliRunner()
CATALOG_DIR = Path(__file__).resolve().parents[3] / "catalog"


def test_check_passes_on_the_shipped_catalog() -> None:
    result = runner.invoke(app, ["catalog", "check", "--dir", str(CATALOG_DIR)])
    assert result.exit_code == 0, result.output
    assert "catalog OK: 3 products, " in result.output and " items" in result.output


def test_check_fails_with_file_and_line_for_a_broken_reference(tmp_path: Path) -> None:
    product = widget()
    product["bom"][0]["item"] = "pannel"
    write_catalog(tmp_path, {"widget": product})
    result = runner.invoke(app, ["catalog", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    line = next(text for text in result.output.splitlines() if "pannel" in text)
    assert line.startswith(f"{tmp_path / 'widget.yaml'}:")
    assert int(line.split(":")[1]) > 0 and "[unknown_item]" in line
    assert "problem(s)" in result.output


def test_show_explodes_a_configuration() -> None:
    result = runner.invoke(
        app,
        [
            "catalog",
            "show",
            "aircon-split",
            "--dir",
            str(CATALOG_DIR),
            "-o",
            "colour=white",
            "-o",
            "self_cleaning=true",
            "-q",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    for expected in ("ac-housing-white", "ac-self-cleaning-module", "install_self_cleaning_module", "Promised"):
        assert expected in result.output


def test_show_lists_configuration_errors_and_exits_1() -> None:
    result = runner.invoke(app, ["catalog", "show", "aircon-split", "--dir", str(CATALOG_DIR), "-o", "capacity=18k"])
    assert result.exit_code == 1 and "requires_unmet" in result.output


def test_show_unknown_sku() -> None:
    result = runner.invoke(app, ["catalog", "show", "toaster", "--dir", str(CATALOG_DIR)])
    assert result.exit_code == 1 and "known products" in result.output


def test_items_module_lists_purchased_ids(capsys) -> None:  # type: ignore[no-untyped-def]
    assert items_main(["--purchased", "--dir", str(CATALOG_DIR)]) == 0
    ids = capsys.readouterr().out.split()
    assert "ac-self-cleaning-module" in ids and "fastener-m5x12" not in ids  # the fastener is stocked
