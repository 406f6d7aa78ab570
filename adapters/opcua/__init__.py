"""OPC UA adapters (asyncua): line status (:class:`OpcUaLineStatusSource`) and job control
(:class:`OpcUaLineControl`) for lines in the c2m address space or mapped onto it."""

from adapters.opcua.line_control import OpcUaLineControl
from adapters.opcua.line_status import OpcUaLineStatusSource, open_line_status

__all__ = ["OpcUaLineControl", "OpcUaLineStatusSource", "open_line_status"]
