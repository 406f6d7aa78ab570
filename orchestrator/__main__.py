"""``python -m orchestrator`` is the ``c2m`` command."""

from orchestrator.cli.main import app

app()
