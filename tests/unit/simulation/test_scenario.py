"""Scenario files: the shipped one loads; mistakes name the file, the key and what was expected."""

from pathlib import Path

import pytest

from orchestrator.simulation import ScenarioError, load_scenario, parse_scenario
from orchestrator.simulation.demand import draw_orders
from orchestrator.simulation.world import build_world

ROOT = Path(__file__).resolve().parents[3]
STANDARD = ROOT / "scenarios" / "standard.yaml"
MIX = [{"sku": "aircon-split", "share": 1}]


def test_the_standard_scenario_loads_with_200_orders_over_20_days() -> None:
    scenario = load_scenario(STANDARD)
    assert scenario.arrivals.orders == 200 and scenario.horizon_days == 20
    assert {m.sku for m in scenario.mix} == {"aircon-split", "ebike-city", "suit-mtm"}
    assert scenario.policies.baseline.mrp_period == "daily"


def test_a_wrong_value_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\narrivals: {orders: 0}\nmix: [{sku: aircon-split, share: 1}]\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    assert str(bad) in str(err.value) and "arrivals.orders" in str(err.value) and "greater than or equal to 1" in str(
        err.value)


def test_an_unknown_key_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"policies\.baseline\.mrp_perod: Extra inputs are not permitted"):
        parse_scenario({"mix": MIX, "policies": {"baseline": {"mrp_perod": "daily"}}}, "s.yaml")


def test_a_triangular_distribution_out_of_order_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"special_requests\.approval_hours: .*min <= mode <= max"):
        parse_scenario({"mix": MIX, "special_requests": {"approval_hours": {"min": 5, "mode": 1, "max": 8}}}, "s.yaml")


def test_missing_files_and_scenarios_say_where_to_look(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "nothing.yaml")
    with pytest.raises(ScenarioError, match=r"plant: .*does not exist"):
        parse_scenario({"mix": MIX, "plant": "nowhere.yaml"}, "s.yaml", tmp_path)


def test_an_unknown_product_or_an_impossible_mix_is_refused() -> None:
    scenario = parse_scenario({"mix": [{"sku": "rocket", "share": 1}]})
    with pytest.raises(ScenarioError, match="unknown product 'rocket'"):
        draw_orders(scenario, build_world(scenario).catalog, 1)
    never = parse_scenario({"mix": [{"sku": "aircon-split", "share": 1, "options": {
        "capacity": [{"value": "18k", "weight": 1}], "inverter": [{"value": False, "weight": 1}]}}]})
    with pytest.raises(ScenarioError, match=r"mix\[aircon-split\]: no valid configuration"):
        draw_orders(never, build_world(never).catalog, 1)


def test_the_same_seed_draws_the_same_orders_and_another_seed_others() -> None:
    scenario = load_scenario(STANDARD)
    catalog = build_world(scenario).catalog
    first = [(o.arrival, o.sku, o.options, o.quantity) for o in draw_orders(scenario, catalog, 30)]
    again = [(o.arrival, o.sku, o.options, o.quantity) for o in draw_orders(scenario, catalog, 30)]
    other = draw_orders(scenario.model_copy(update={"seed": 99}), catalog, 30)
    assert first == again
    assert first != [(o.arrival, o.sku, o.options, o.quantity) for o in other]
