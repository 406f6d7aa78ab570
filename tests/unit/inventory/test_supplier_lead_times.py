"""The lead times a supplier's catalogue states, as the buyer (and the promise) read them."""

from pathlib import Path

import pytest
import yaml

from orchestrator.inventory.supplier_list import SupplierFileError, load_supplier_listings
from orchestrator.services.schedule_promise import supplier_lead_days


def _file(tmp_path: Path, parts_by_supplier: dict[str, list[dict]]) -> Path:
    path = tmp_path / "suppliers.yaml"
    path.write_text(yaml.safe_dump({"suppliers": [{"id": sid, "parts": parts}
                                                  for sid, parts in parts_by_supplier.items()]}))
    return path


def test_a_range_a_single_number_and_no_lead_time_are_read(tmp_path: Path) -> None:
    path = _file(tmp_path, {"acme": [{"item": "gear", "lead_time_days": {"min": 2, "mode": 3, "max": 6}},
                                     {"item": "bolt", "lead_time_days": 4},
                                     {"item": "nut"},
                                     {"item": "cam", "lead_time_days": {"mode": 5}}]})
    [acme] = load_supplier_listings(path)
    leads = {p.item: p.lead_time_days for p in acme.parts}
    assert leads == {"gear": (2, 3, 6), "bolt": (4, 4, 4), "nut": None, "cam": (5, 5, 5)}


@pytest.mark.parametrize(("lead", "says"), [
    ({"min": 5, "mode": 3, "max": 6}, "min <= mode <= max"),
    ({"min": 1, "mean": 3}, "unknown key(s) ['mean']"),
    ({"min": 1}, "needs at least a 'mode' or a 'max'"),
    ("soon", "expected days as a number"),
    (-1, "0 <= min"),
])
def test_a_bad_lead_time_names_the_part_and_what_is_expected(tmp_path: Path, lead: object, says: str) -> None:
    path = _file(tmp_path, {"acme": [{"item": "gear", "lead_time_days": lead}]})
    with pytest.raises(SupplierFileError) as caught:
        load_supplier_listings(path)
    assert "suppliers[0].parts[0]" in str(caught.value) and says in str(caught.value), caught.value


def test_the_promise_plans_on_the_fastest_supplier_at_its_confidence(tmp_path: Path) -> None:
    path = _file(tmp_path, {"slow": [{"item": "gear", "lead_time_days": {"min": 8, "mode": 9, "max": 10}}],
                            "fast": [{"item": "gear", "lead_time_days": {"min": 2, "mode": 3, "max": 6}},
                                     {"item": "nut"}]})
    assert supplier_lead_days(path, 1.0) == {"gear": 6.0}  # nut: no stated lead, the item master decides
    assert supplier_lead_days(path, 0.0) == {"gear": 2.0}
    assert 3.0 < supplier_lead_days(path, 0.5)["gear"] < 6.0
