"""Read a plant file (YAML) into a :class:`~orchestrator.plant.model.Plant`, with errors that say where.

The file is parsed with a safe loader (plain data only, no Python objects) that also refuses
duplicate keys, then validated. Every problem is reported with the file, the key path (e.g.
``lines.FAB1.speed_factor``) and what to write instead; see ``docs/plant.md`` for the format.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from orchestrator.plant.adapter_settings import status_adapter_problems
from orchestrator.plant.model import Plant

TOP_LEVEL_KEYS = ("name", "defaults", "calendars", "lines")
DEFAULTS_KEYS = ("calendar", "status", "reliability", "defect_rate", "speed_factor", "mach_speed")


class PlantFileError(ValueError):
    """The plant file cannot be used; ``problems`` lists each one as ``key.path: what is wrong``."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        text = problems[0] if len(problems) == 1 else "\n  - " + "\n  - ".join(problems)
        super().__init__(f"{source}: {text}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (YAML would keep the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_plant(path: str | Path) -> Plant:
    """Read and validate the plant file at ``path`` (:class:`PlantFileError` says what is wrong)."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlantFileError(source, ["file not found; point C2M_PLANT_FILE at a plant file"]) from None
    except OSError as exc:
        raise PlantFileError(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    return parse_plant(text, source=source)


def parse_plant(text: str, source: str = "<plant>") -> Plant:
    """Validate a plant file's text; ``source`` names it in error messages."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: plain data only
    except yaml.YAMLError as exc:
        raise PlantFileError(source, [_yaml_problem(exc)]) from None
    return plant_from_data(data, source=source)


def plant_from_data(data: object, source: str = "<plant>") -> Plant:
    """Validate already-parsed plant data (a mapping as in the plant file)."""
    if not isinstance(data, dict):
        raise PlantFileError(source, [f"expected a mapping with keys {', '.join(TOP_LEVEL_KEYS)} at the top"])
    problems = [
        f"{key}: unknown key; the top-level keys are {', '.join(TOP_LEVEL_KEYS)}"
        for key in data if key not in TOP_LEVEL_KEYS
    ]
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("defaults: expected a mapping of line settings that every line inherits")
        defaults = {}
    problems += [
        f"defaults.{key}: unknown key; defaults may set {', '.join(DEFAULTS_KEYS)}"
        for key in defaults if key not in DEFAULTS_KEYS
    ]
    lines = data.get("lines")
    if not isinstance(lines, dict) or not lines:
        problems.append("lines: expected a mapping of line id -> line settings, with at least one line")
        lines = {}
    if problems:
        raise PlantFileError(source, problems)

    merged_lines: dict[str, Any] = {}
    inherited: dict[str, set[str]] = {}
    for line_id, settings in lines.items():
        if not isinstance(settings, dict):
            problems.append(f"lines.{line_id}: expected a mapping of line settings (capabilities, speed_factor, ...)")
            continue
        merged_lines[str(line_id)] = _with_defaults(str(line_id), settings, defaults)
        inherited[str(line_id)] = {k for k in defaults if k not in settings}
    if problems:
        raise PlantFileError(source, problems)
    try:
        plant = Plant.model_validate(
            {"name": data.get("name"), "calendars": data.get("calendars"), "lines": merged_lines}
        )
    except ValidationError as exc:
        errors = exc.errors()
        # A failed item also makes its list "too short"; that echo only hides the real problem.
        errors = [e for e in errors if not (e["type"] == "too_short" and any(
            len(o["loc"]) > len(e["loc"]) and tuple(o["loc"][: len(e["loc"])]) == tuple(e["loc"]) for o in errors
        ))]
        raise PlantFileError(source, [_problem(err, inherited) for err in errors]) from None
    # Each line's status adapter validates its own settings, so a bad one fails here, not at the first order.
    problems = status_adapter_problems(plant, lines, defaults)
    if problems:
        raise PlantFileError(source, problems)
    return plant


def _with_defaults(line_id: str, settings: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key, value in defaults.items():
        own = settings.get(key)
        # Mappings (status, reliability) merge one level deep so a line can override one entry.
        if isinstance(value, dict) and isinstance(own, dict):
            merged[key] = {**value, **own}
        elif key not in settings:
            merged[key] = value
    return {**settings, **merged, "id": line_id}


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{where}not valid YAML ({problem})"


def _problem(err: Any, inherited: dict[str, set[str]]) -> str:
    loc = tuple(err["loc"])
    # Pydantic adds validator names (e.g. "function-after[...]") to the location; they mean nothing to users.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
    if len(loc) >= 3 and loc[0] == "lines" and loc[2] in inherited.get(str(loc[1]), set()):
        where = ".".join(str(p) for p in ("defaults", *loc[2:])) + f" (inherited by line {loc[1]})"
    else:
        where = ".".join(str(p) for p in loc) or "(top level)"
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = f"; known keys: {', '.join(known)}" if known else ""
        return f"{where}: unknown key{hint}"
    if kind == "missing":
        return f"{where}: required, but missing"
    shown = err.get("input")
    plain = not isinstance(shown, dict | list) and shown is not None
    got = f" (got {shown!r})" if plain and repr(shown) not in msg else ""
    return f"{where}: {msg.removeprefix('Value error, ')}{got}"


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at ``loc`` (walking Plant's annotations), for unknown-key hints."""
    current: Any = Plant
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (dict, tuple, list):
            args = [a for a in get_args(current) if a is not Ellipsis]
            current = args[-1] if args else None
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name in current.model_fields if name != "id"]
    return []


def _unwrap(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        models = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else annotation
    return annotation
