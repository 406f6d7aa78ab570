"""c2m line adapter ``csv-gateway``: follows lines through a legacy PLC gateway's CSV export over HTTP.

The gateway serves ``GET <endpoint>export/lines.csv`` (one row per line, its current values) and
``GET <endpoint>export/lines/<line>/completions.csv?since=N`` (the line's completed job orders with
a sequence number above ``N``). The adapter polls the first, reads the second whenever the line's
``completed_count`` moves, and turns what it reads into c2m line events. c2m finds it through the
``c2m.adapters.lines`` entry point ``csv-gateway`` (:data:`c2m_csv_gateway.spec.SPEC`).
"""

__version__ = "0.1.0"
