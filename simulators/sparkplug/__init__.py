"""The plant simulator's lines over MQTT Sparkplug B: one edge node per plant, one device per line.

Someone else's system, like the OPC UA simulator it extends: imports nothing from ``orchestrator``,
``workflows`` or ``adapters``. Enabled with ``--sparkplug-lines`` (see docs/sparkplug.md).
"""
