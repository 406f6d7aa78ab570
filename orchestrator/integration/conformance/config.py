"""The conformance file: which adapter to check, its settings, and how to drive the endpoint.

```yaml
kind: mes                  # line | mes | suppliers (may be left to --kind)
adapter: b2mml-http        # the registered adapter's name (may be left to --adapter)
target: mes                # the line id, the supplier id, or mes
settings: {endpoint: "http://127.0.0.1:8101"}   # the adapter's own settings, checked by its model
driver: {line: PNT1}       # how the suite provokes what it needs at the endpoint (per kind)
rule_timeout: 120          # wall seconds any one rule may take
```

The file is read with the safe YAML loader (plain data only); ``settings`` is validated by the adapter's
own settings model (``registry.validate_settings``) and ``driver`` by the suite's ``DRIVER`` model. Every
problem names the file, the line, the key and what is expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.catalog.marked_yaml import YamlSyntaxError, line_at, load_marked
from orchestrator.integration import registry
from orchestrator.integration.conformance.kinds import SUITES, SuiteKind, SuiteUnavailable, adapter_kind, suite
from orchestrator.integration.spec import AdapterSpec


class ConformanceConfigError(ValueError):
    """The conformance file cannot be used; ``problems`` are ``file:line: key: what is expected`` texts."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        text = self.problems[0] if len(self.problems) == 1 else "\n  - " + "\n  - ".join(self.problems)
        super().__init__(text)


class ConformanceFile(BaseModel):
    """The file as written (``settings`` and ``driver`` are checked by their own models afterwards)."""

    model_config = ConfigDict(extra="forbid")

    kind: SuiteKind | None = Field(default=None, description="line, mes or suppliers")
    adapter: str | None = Field(default=None, min_length=1, description="the registered adapter's name")
    target: str = Field(min_length=1, description="the line id, the supplier id, or mes")
    settings: dict[str, Any] = Field(default_factory=dict, description="the adapter's settings")
    driver: dict[str, Any] = Field(default_factory=dict, description="how the suite drives the endpoint")
    rule_timeout: float = Field(default=120.0, gt=0, description="wall seconds any one rule may take")


@dataclass(frozen=True)
class Conformance:
    """A validated conformance file: the adapter's spec and settings, the target, the suite's driver."""

    source: Path
    kind: str
    adapter: AdapterSpec[Any]
    settings: BaseModel
    target: str
    driver: BaseModel
    rule_timeout: float


def load_conformance(path: Path | str, kind: str | None = None, adapter: str | None = None) -> Conformance:
    """Read and validate a conformance file; ``kind`` and ``adapter`` (from the command line) must agree
    with the file's when both give them. :class:`ConformanceConfigError` says what is wrong."""
    path = Path(path)
    try:
        tree = load_marked(path)
    except FileNotFoundError:
        raise ConformanceConfigError([f"{path}: file not found; pass --config with a conformance file "
                                      "(examples under docs/conformance/)"]) from None
    except YamlSyntaxError as exc:
        raise ConformanceConfigError([str(exc)]) from None
    if not isinstance(tree, dict):
        raise ConformanceConfigError([f"{path}:1: expected a mapping with kind, adapter, target, settings, driver"])
    try:
        raw = ConformanceFile.model_validate(tree)
    except ValidationError as exc:
        raise ConformanceConfigError(_problems(path, tree, (), exc, ConformanceFile)) from None
    chosen_kind = _agree(path, tree, "kind", raw.kind, kind, f"one of {', '.join(SUITES)}")
    chosen_adapter = _agree(path, tree, "adapter", raw.adapter, adapter, "the name of a registered adapter")
    where = f"{path}:{line_at(tree, ('adapter',))}: adapter"
    try:
        spec = registry.spec(adapter_kind(chosen_kind), chosen_adapter)
    except (registry.UnknownAdapter, registry.BadAdapter) as exc:
        raise ConformanceConfigError([f"{where}: {exc}"]) from None
    try:
        module = suite(chosen_kind)
    except SuiteUnavailable as exc:
        raise ConformanceConfigError([f"{path}:{line_at(tree, ('kind',))}: kind: {exc}"]) from None
    problems: list[str] = []
    settings: BaseModel | None = None
    try:
        settings = registry.validate_settings(spec, raw.settings)
    except registry.AdapterSettingsError as exc:
        problems += [f"{path}:{line_at(tree, ('settings', *loc))}: settings.{'.'.join(map(str, loc))}: {what}"
                     for loc, what in exc.problems]
    driver: BaseModel | None = None
    try:
        # A relative path in the driver (a plant file) is read from the conformance file's folder.
        driver = module.DRIVER.model_validate(raw.driver, context={"base_dir": path.parent})
    except ValidationError as exc:
        problems += _problems(path, tree, ("driver",), exc, module.DRIVER)
    if problems or settings is None or driver is None:
        raise ConformanceConfigError(problems)
    return Conformance(path, chosen_kind, spec, settings, raw.target, driver, raw.rule_timeout)


def _agree(path: Path, tree: Any, key: str, in_file: str | None, given: str | None, expected: str) -> str:
    if in_file and given and in_file != given:
        raise ConformanceConfigError([f"{path}:{line_at(tree, (key,))}: {key}: the file says {in_file!r} but "
                                      f"--{key} says {given!r}; make them agree or leave one out"])
    chosen = given or in_file
    if not chosen:
        raise ConformanceConfigError([f"{path}:{line_at(tree, ())}: {key}: required ({expected}), in the file "
                                      f"or as --{key}"])
    return chosen


def _problems(path: Path, tree: Any, prefix: tuple[str, ...], exc: ValidationError,
              model: type[BaseModel]) -> list[str]:
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        full = (*prefix, *loc)
        key = ".".join(map(str, full)) or "(top level)"
        kind, msg = err["type"], err["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            msg = f"unknown key; known keys: {', '.join(_fields_at(model, loc[:-1])) or 'none'}"
        elif kind == "missing":
            msg = "required, but missing"
        elif not isinstance(err.get("input"), dict | list) and err.get("input") is not None:
            msg = f"{msg}, got {err['input']!r}"
        out.append(f"{path}:{line_at(tree, full)}: {key}: {msg}")
    return out


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the (nested) model that ``loc`` reaches, for "known keys" hints."""
    current: Any = model
    for step in loc:
        field = current.model_fields.get(step) if isinstance(step, str) else None
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        current = annotation
    return list(current.model_fields)
