"""Installed adapters, found through Python entry points, and their settings validated by name.

Three entry point groups, one per kind of port (:data:`ENTRY_POINT_GROUPS`); each entry point loads an
:class:`~orchestrator.integration.spec.AdapterSpec`. Nothing is special about our own adapters: they
are registered in ``pyproject.toml`` exactly as an integrator's package registers its own.

Lookups are cached per process (entry points do not change while it runs); :func:`forget` clears the
cache for tests that install or fake entry points.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from pydantic import BaseModel, ValidationError

from orchestrator.integration.spec import AdapterSpec
from orchestrator.ports.journal import AdapterKind

#: The entry point group of each kind of adapter.
ENTRY_POINT_GROUPS: dict[AdapterKind, str] = {
    AdapterKind.LINE: "c2m.adapters.lines",
    AdapterKind.MES: "c2m.adapters.mes",
    AdapterKind.SUPPLIER: "c2m.adapters.suppliers",
}


class UnknownAdapter(LookupError):
    """No installed adapter of this kind has this name; the message lists the installed ones."""

    def __init__(self, kind: AdapterKind, name: str, installed: list[str]) -> None:
        self.kind, self.name, self.installed = kind, name, installed
        group = ENTRY_POINT_GROUPS[kind]
        known = ", ".join(installed) if installed else "none"
        super().__init__(
            f"no {kind.value} adapter called {name!r}; installed {kind.value} adapters: {known} "
            f"(an adapter package registers itself in the {group!r} entry point group)"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class BadAdapter(TypeError):
    """An entry point does not load a fitting :class:`AdapterSpec` (a packaging mistake of its package)."""


class AdapterSettingsError(ValueError):
    """Settings the adapter's model refuses; ``problems`` are ``(key path, what is expected)`` pairs."""

    def __init__(self, adapter: str, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.adapter = adapter
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc)) or '(settings)'}: {what}" for loc, what in problems))


@dataclass(frozen=True)
class InstalledAdapter:
    """An adapter entry point and the distribution (package) that provides it."""

    kind: AdapterKind
    name: str
    value: str
    package: str | None
    version: str | None


def _entry_points(kind: AdapterKind) -> list[EntryPoint]:
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUPS[kind])}
    return [found[name] for name in sorted(found)]


@functools.cache
def installed(kind: AdapterKind | None = None) -> tuple[InstalledAdapter, ...]:
    """Every installed adapter (of ``kind``, or of every kind), by kind then name."""
    kinds = [kind] if kind is not None else list(ENTRY_POINT_GROUPS)
    return tuple(
        InstalledAdapter(k, ep.name, ep.value, ep.dist.name if ep.dist else None,
                         ep.dist.version if ep.dist else None)
        for k in kinds for ep in _entry_points(k)
    )


@functools.cache
def spec(kind: AdapterKind, name: str) -> AdapterSpec[Any]:
    """The spec of the installed ``kind`` adapter called ``name`` (:class:`UnknownAdapter` if none)."""
    found = [ep for ep in _entry_points(kind) if ep.name == name]
    if not found:
        raise UnknownAdapter(kind, name, [a.name for a in installed(kind)])
    loaded = found[0].load()
    if not isinstance(loaded, AdapterSpec):
        raise BadAdapter(f"entry point {name!r} ({found[0].value}) loads {type(loaded).__name__}, not an AdapterSpec")
    if loaded.kind is not kind or loaded.name != name:
        raise BadAdapter(
            f"entry point {name!r} in {ENTRY_POINT_GROUPS[kind]!r} loads the {loaded.kind.value} adapter "
            f"{loaded.name!r}; the entry point's group and name must match the spec's kind and name"
        )
    return loaded


def forget() -> None:
    """Drop the cached entry points and specs (after installing or faking adapters)."""
    installed.cache_clear()
    spec.cache_clear()


def validate_settings(adapter: AdapterSpec[Any], raw: Mapping[str, Any]) -> BaseModel:
    """``raw`` validated by the adapter's settings model (:class:`AdapterSettingsError` says what is wrong)."""
    try:
        return adapter.settings.model_validate(dict(raw))
    except ValidationError as exc:
        raise AdapterSettingsError(adapter.name, [_problem(adapter.settings, err) for err in exc.errors()]) from None


def load_settings(kind: AdapterKind, name: str, raw: Mapping[str, Any]) -> tuple[AdapterSpec[Any], BaseModel]:
    """The spec called ``name`` and ``raw`` validated by its settings model."""
    adapter = spec(kind, name)
    return adapter, validate_settings(adapter, raw)


def _problem(model: type[BaseModel], err: Any) -> tuple[tuple[str | int, ...], str]:
    # Pydantic adds validator names (e.g. "function-after[...]") to locations; they mean nothing to users.
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return loc, f"unknown key; known keys: {', '.join(model.model_fields) or 'none'}"
    if kind == "missing":
        return loc, "required, but missing"
    shown = err.get("input")
    plain = not isinstance(shown, dict | list) and shown is not None
    # Numbers always; text only when the message does not quote it already.
    got = f", got {shown!r}" if plain and not (isinstance(shown, str) and repr(shown) in msg) else ""
    return loc, f"{msg.removeprefix('Value error, ')}{got}"
