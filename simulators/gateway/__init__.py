"""A legacy PLC gateway in front of the plant simulator: the lines as plain CSV over HTTP.

Many older plants have no OPC UA or MQTT on their lines, only a gateway box that polls the PLCs
and exports what it read as CSV files over HTTP. This one runs inside the plant simulator process
(``--gateway-port``) and reads the simulated machines there, as the Sparkplug edge node does.
Someone else's system: it imports nothing from ``orchestrator``, ``workflows`` or ``adapters``.

``GET /export/lines.csv``: one row per line (the columns are :data:`~simulators.gateway.export.LINE_COLUMNS`).
``GET /export/lines/{line}/completions.csv?since=N``: the line's completed job orders with a
sequence number greater than ``N``, oldest first (the last :data:`~simulators.gateway.export.HISTORY_KEPT`).
"""
