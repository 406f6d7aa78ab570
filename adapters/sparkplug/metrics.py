"""Our line fields as Sparkplug metric names, and the command metrics of the c2m convention.

In the c2m convention a line's metrics carry the paths of its OPC UA nodes under
``Machines/<Line>/`` (``Status/StateCurrent``, ``JobOrder/ProducedQuantity``...), so a plant
file's node mapping also works for Sparkplug: an OPC UA node id of the convention is read as its
path, anything else as the metric name itself (docs/sparkplug.md has the table).
"""

from __future__ import annotations

import re

from orchestrator.ports.lines import LINE_STATUS_FIELDS

NODE_REBIRTH = "Node Control/Rebirth"
BD_SEQ = "bdSeq"
REQUEST_ID = "Command/RequestID"
LAST_REQUEST_ID = "Command/LastRequestID"
LAST_STATUS = "Command/LastStatus"

_C2M_NODE = re.compile(r"^(?:ns=\d+|nsu=[^;]+);s=Machines/(?P<line>[^/]+)/(?P<path>.+)$")


def c2m_metric_names() -> dict[str, str]:
    """Our field -> metric name in the c2m convention."""
    return dict(LINE_STATUS_FIELDS)


def metric_name(node: str) -> str:
    """The metric name for a plant file's node entry: a c2m OPC UA node id gives its path."""
    match = _C2M_NODE.match(node.strip())
    return match.group("path") if match else node.strip()


def fields_by_metric(names: dict[str, str]) -> dict[str, list[str]]:
    """Metric name -> our fields (a metric may feed several fields)."""
    out: dict[str, list[str]] = {}
    for field, name in names.items():
        out.setdefault(name, []).append(field)
    return out
