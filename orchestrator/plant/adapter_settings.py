"""Each line's ``status:`` settings checked by the settings model of the adapter it names.

The plant model knows only ``status.adapter`` and the node mapping every line adapter gets; what
else an adapter accepts (an endpoint's scheme, tuning knobs, a broker's topic) is the adapter's
business, so its own settings model says whether the plant file got it right.
"""

from __future__ import annotations

from typing import Any

from orchestrator.integration.registry import AdapterSettingsError, BadAdapter, UnknownAdapter, validate_settings
from orchestrator.integration.registry import spec as adapter_spec
from orchestrator.plant.model import Plant
from orchestrator.ports.journal import AdapterKind


def status_adapter_problems(plant: Plant, lines: dict[Any, Any], defaults: dict[str, Any]) -> list[str]:
    """``key.path: what is wrong`` for every line whose status settings its adapter refuses.

    ``lines`` and ``defaults`` are the plant file's raw mappings: a problem in a setting a line
    inherits is reported at ``defaults.status...`` (naming the line), as the other plant errors are.
    """
    problems: list[str] = []
    # A bad default is one problem, however many lines inherit it: path + message -> those lines.
    inherited: dict[tuple[str, str], list[str]] = {}
    raw_default = defaults.get("status")
    default_status: dict[str, Any] = raw_default if isinstance(raw_default, dict) else {}
    for line_id, line in plant.lines.items():
        own = lines.get(line_id)
        raw_own = own.get("status") if isinstance(own, dict) else None
        own_status: dict[str, Any] = raw_own if isinstance(raw_own, dict) else {}
        found: list[tuple[str | int | None, str, str]] = []
        try:
            adapter = adapter_spec(AdapterKind.LINE, line.status.adapter)
            validate_settings(adapter, line.status.adapter_settings())
        except (UnknownAdapter, BadAdapter) as exc:
            found.append(("adapter", "", str(exc)))
        except AdapterSettingsError as exc:
            found += [(loc[0] if loc else None, "".join(f".{p}" for p in loc[1:]), what) for loc, what in exc.problems]
        for key, rest, what in found:
            if key is not None and key not in own_status and key in default_status:
                inherited.setdefault((f"defaults.status.{key}{rest}", what), []).append(line_id)
            else:
                problems.append(f"lines.{line_id}.status{'' if key is None else f'.{key}'}{rest}: {what}")
    for (path, what), line_ids in inherited.items():
        problems.append(f"{path} (inherited by line{'s' if len(line_ids) > 1 else ''} {', '.join(line_ids)}): {what}")
    return problems
