"""Sampling a line's OPC UA values into the adapter journal: every state change, few value changes."""

from __future__ import annotations

import json

from adapters.opcua.line_journal import LineJournal
from orchestrator.ports.journal import AdapterKind, AdapterMessage, Direction
from orchestrator.ports.lines import LineStatusBinding, c2m_line_nodes

BINDING = LineStatusBinding(line="FAB1", endpoint="opc.tcp://127.0.0.1:4840/", nodes=c2m_line_nodes("FAB1"))
STATE_NODE = "ns=2;s=Machines/FAB1/Status/StateCurrent"
PRODUCED_NODE = "ns=2;s=Machines/FAB1/JobOrder/ProducedQuantity"


class Kept:
    """A journal that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[AdapterMessage] = []

    def record(self, message: AdapterMessage) -> None:
        self.messages.append(message)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def sampler() -> tuple[LineJournal, Kept, Clock]:
    kept, clock = Kept(), Clock()
    return LineJournal(BINDING, kept, value_interval=0.5, monotonic=clock), kept, clock


def test_a_snapshot_is_recorded_with_every_node_and_the_state_first() -> None:
    journal, kept, _ = sampler()
    journal.snapshot({"produced_quantity": 0, "state": 4, "job_order_id": ""})
    [message] = kept.messages
    assert (message.kind, message.endpoint, message.direction, message.ok) == (
        AdapterKind.LINE, "FAB1", Direction.RECEIVED, True)
    assert message.summary.startswith(f"read 3 nodes at opc.tcp://127.0.0.1:4840/: {STATE_NODE} = 4 (Idle)")
    assert json.loads(message.body or "{}") == {STATE_NODE: 4, PRODUCED_NODE: 0,
                                                "ns=2;s=Machines/FAB1/JobOrder/JobOrderID": ""}


def test_every_state_change_is_recorded_but_values_at_most_twice_a_second() -> None:
    journal, kept, clock = sampler()
    journal.changes([("produced_quantity", 1)])  # the first value change goes through
    for n in range(2, 6):  # four more within 0.5 s: merged, not recorded
        clock.now += 0.1
        journal.changes([("produced_quantity", n)])
    assert len(kept.messages) == 1
    clock.now += 0.05
    journal.changes([("state", 6)])  # a state change is never held back, and carries what was merged
    assert len(kept.messages) == 2
    assert kept.messages[1].summary.startswith(f"{STATE_NODE} = 6 (Execute); {PRODUCED_NODE} = 5")
    clock.now += 0.6
    journal.changes([("produced_quantity", 6)])
    assert len(kept.messages) == 3 and kept.messages[2].summary == f"{PRODUCED_NODE} = 6"


def test_a_lost_link_is_a_failed_message() -> None:
    journal, kept, _ = sampler()
    journal.link_lost("ConnectionError: refused")
    [message] = kept.messages
    assert not message.ok
    assert message.summary == "link to opc.tcp://127.0.0.1:4840/ lost: ConnectionError: refused"


def test_many_changed_nodes_are_named_in_part_and_kept_in_full() -> None:
    journal, kept, _ = sampler()
    changed = [("produced_quantity", 3), ("defective_quantity", 0), ("planned_quantity", 10), ("mach_speed", 30.0)]
    journal.changes(changed)
    [message] = kept.messages
    assert message.summary.endswith("(+1 more)")
    assert len(json.loads(message.body or "{}")) == 4


def test_states_that_follow_each_other_within_one_publish_each_get_a_message() -> None:
    journal, kept, _ = sampler()
    journal.changes([("state", 16), ("produced_quantity", 12), ("state", 17)])
    assert [m.summary for m in kept.messages] == [f"{STATE_NODE} = 16 (Completing); {PRODUCED_NODE} = 12",
                                                  f"{STATE_NODE} = 17 (Complete)"]


def test_the_values_a_subscription_repeats_after_the_snapshot_are_not_changes() -> None:
    journal, kept, clock = sampler()
    journal.snapshot({"state": 4, "produced_quantity": 0})
    clock.now += 1
    journal.changes([("state", 4), ("produced_quantity", 0)])
    assert len(kept.messages) == 1
    journal.changes([("state", 3), ("produced_quantity", 0)])
    assert kept.messages[-1].summary == f"{STATE_NODE} = 3 (Starting)"
