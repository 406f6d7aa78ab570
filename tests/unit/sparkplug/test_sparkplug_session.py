"""The Sparkplug host rules (seq, bdSeq, births) and the simulator's DDATA steps, without a broker."""

from __future__ import annotations

import pytest
from pysparkplug import DataType, DBirth, DData, Metric, NBirth, NDeath

from adapters.sparkplug import SparkplugSettings, open_line_status
from adapters.sparkplug.metrics import metric_name
from adapters.sparkplug.session import DeviceSession, Meaning
from orchestrator.ports.lines import LineStatusBinding, LineStatusConfigError, c2m_line_nodes
from simulators.sparkplug.metrics import change_steps

TS = 1_700_000_000_000
STATE = "Status/StateCurrent"


def _int(name: str, value: int, datatype: DataType = DataType.INT32) -> Metric:
    return Metric(timestamp=TS, name=name, datatype=datatype, value=value)


def nbirth(seq: int = 0, bd_seq: int = 3) -> tuple[str, bytes]:
    body = NBirth(TS, seq, (_int("bdSeq", bd_seq, DataType.INT64),))
    return "spBv1.0/g/NBIRTH/plant", body.encode()


def dbirth(seq: int, device: str = "FAB1", state: int = 4) -> tuple[str, bytes]:
    return f"spBv1.0/g/DBIRTH/plant/{device}", DBirth(TS, seq, (_int(STATE, state),)).encode()


def ddata(seq: int, device: str = "FAB1", state: int = 6) -> tuple[str, bytes]:
    return f"spBv1.0/g/DDATA/plant/{device}", DData(TS, seq, (_int(STATE, state),)).encode(include_dtypes=True)


def ndeath(bd_seq: int) -> tuple[str, bytes]:
    return "spBv1.0/g/NDEATH/plant", NDeath(TS, _int("bdSeq", bd_seq, DataType.INT64)).encode()


def test_births_then_data_in_sequence() -> None:
    session = DeviceSession("g", "plant", "FAB1")
    assert session.read(*ddata(5)).meaning is Meaning.NOTHING  # joined mid-session: wait for births
    assert session.read(*nbirth()).meaning is Meaning.NODE_BIRTH
    assert session.read(*dbirth(1, device="PCK1")).meaning is Meaning.NOTHING  # another line, still counted
    birth = session.read(*dbirth(2))
    assert birth.meaning is Meaning.BIRTH and birth.updates == [(STATE, 4)]
    data = session.read(*ddata(3))
    assert data.meaning is Meaning.DATA and data.updates == [(STATE, 6)] and session.trusted


def test_seq_wraps_at_256_and_a_jump_is_a_gap() -> None:
    session = DeviceSession("g", "plant", "FAB1")
    session.read(*nbirth(seq=254))
    assert session.read(*dbirth(255)).meaning is Meaning.BIRTH
    assert session.read(*ddata(0)).meaning is Meaning.DATA
    gap = session.read(*ddata(2))
    assert gap.meaning is Meaning.GAP and "expected 1" in gap.detail
    assert not session.trusted
    assert session.read(*ddata(3)).meaning is Meaning.NOTHING  # untrusted until reborn
    session.read(*nbirth())
    assert session.read(*dbirth(1)).meaning is Meaning.BIRTH and session.trusted


def test_only_the_current_sessions_ndeath_counts() -> None:
    session = DeviceSession("g", "plant", "FAB1")
    session.read(*nbirth(bd_seq=7))
    session.read(*dbirth(1))
    assert session.read(*ndeath(6)).meaning is Meaning.NOTHING  # an older connection's will
    assert session.trusted
    assert session.read(*ndeath(7)).meaning is Meaning.DEATH
    assert not session.trusted


def test_ddata_steps_show_every_state_and_completion_last() -> None:
    old = {"state": 6, "produced_quantity": 2, "completed_job_orders": [], "job_order_id": "WO-1"}
    new = {"state": 17, "produced_quantity": 3, "completed_job_orders": ["WO-1"], "job_order_id": "WO-1"}
    steps = change_steps(old, new, [16, 17])
    assert steps == [{"produced_quantity": 3, "state": 16}, {"state": 17, "completed_job_orders": ["WO-1"]}]
    assert change_steps(new, new, []) == []


def test_binding_endpoint_and_c2m_node_ids_become_settings_and_metric_names() -> None:
    settings = SparkplugSettings.from_endpoint("FAB1", "mqtt://10.0.0.5:1884/c2m/plant-a")
    where = (settings.host, settings.port, settings.group_id, settings.edge_node_id)
    assert where == ("10.0.0.5", 1884, "c2m", "plant-a")
    assert settings.device_of("FAB1") == "FAB1"
    assert settings.endpoint("FAB1") == "mqtt://10.0.0.5:1884/c2m/plant-a/FAB1"
    assert metric_name(c2m_line_nodes("FAB1")["produced_quantity"]) == "JobOrder/ProducedQuantity"
    assert metric_name("Line/Good") == "Line/Good"
    binding = LineStatusBinding(
        line="FAB1", adapter="sparkplug", endpoint="mqtt://127.0.0.1/c2m/plant/Fab-1", nodes=c2m_line_nodes("FAB1")
    )
    source = open_line_status(binding)
    assert source.session.device_id == "Fab-1" and source.binding.nodes["state"] == STATE
    with pytest.raises(LineStatusConfigError, match="Sparkplug endpoint"):
        open_line_status(binding.model_copy(update={"endpoint": "opc.tcp://127.0.0.1:4840/"}))


def test_the_registry_spec_builds_sources_from_a_plant_file_status_block() -> None:
    from adapters.sparkplug.spec import SPARKPLUG_LINES, SparkplugLineSettings
    from orchestrator.integration.spec import AdapterContext

    settings = SparkplugLineSettings.model_validate(
        {"endpoint": "mqtt://127.0.0.1:1883/c2m/plant", "nodes": {"state": "Line/State"}, "rebirth_every": 0.5}
    )
    factory = SPARKPLUG_LINES.build(settings, AdapterContext("FAB1"))
    binding = LineStatusBinding(
        line="FAB1", adapter="sparkplug", endpoint=settings.endpoint, nodes={"state": "Line/State"}
    )
    source = factory(binding, known_completed=None)
    assert source.settings.rebirth_every == 0.5 and source.session.device_id == "FAB1"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="mqtt://"):
        SparkplugLineSettings.model_validate({"endpoint": "opc.tcp://127.0.0.1:4840/"})
    with pytest.raises(ValueError, match="extra"):
        SparkplugLineSettings.model_validate({"endpoint": "mqtt://h/c2m/plant", "hots": "x"})
