"""``c2m simulate`` end to end on a small scenario: the table, report.md/json, the plots, and the same
figures again for the same seed."""

import json
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli.main import app
from orchestrator.simulation.report import deterministic

SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "simulation" / "one-order.yaml"
PLOTS = {"promise_error.png", "lead_times.png", "wip.png", "utilisation.png", "sweep.png"}


def _simulate(out: Path, *extra: str) -> dict:
    result = CliRunner().invoke(app, ["simulate", str(SCENARIO), "--out", str(out), "--orders", "4", *extra])
    assert result.exit_code == 0, result.output
    assert "Promise report: one-order" in result.output and "delivered by the promised date" in result.output
    return json.loads((out / "report.json").read_text())


def test_simulate_writes_the_report_the_plots_and_repeats_its_figures_for_a_seed(tmp_path: Path) -> None:
    first = _simulate(tmp_path / "a")
    written = {p.name for p in (tmp_path / "a").iterdir()}
    assert {"report.md", "report.json"} | PLOTS <= written
    for plot in PLOTS:
        assert (tmp_path / "a" / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = (tmp_path / "a" / "report.md").read_text()
    assert "## Targets" in markdown and "## Load sweep" in markdown and "![sweep](sweep.png)" in markdown
    assert set(first["policies"]) == {"c2m", "baseline"} and first["policies"]["c2m"]["orders"] == 4
    assert [p["target_load"] for p in first["sweep"]["points"]] == [0.5, 0.65, 0.75, 0.85, 0.95]

    again = _simulate(tmp_path / "b")
    assert deterministic(again) == deterministic(first)


def test_another_seed_gives_other_figures_and_a_bad_policy_is_refused(tmp_path: Path) -> None:
    base = _simulate(tmp_path / "a", "--no-sweep")
    other = _simulate(tmp_path / "b", "--no-sweep", "--seed", "8")
    assert base["sweep"] is None and other["scenario"]["seed"] == 8
    assert deterministic(base)["policies"] != deterministic(other)["policies"]
    refused = CliRunner().invoke(app, ["simulate", str(SCENARIO), "--policies", "c2m,kanban"])
    assert refused.exit_code == 2 and "unknown ['kanban']" in refused.output
