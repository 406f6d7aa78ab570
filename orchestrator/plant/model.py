"""The plant: its lines (work centres), what each can do, how fast, when, and where its status lives.

Built from a plant file by :func:`orchestrator.plant.loader.load_plant`; plain, frozen pydantic
models so the scheduler, the API and activities share one picture of the plant.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orchestrator.catalog.texts import TRANSLATION_LANGUAGES
from orchestrator.plant.calendar import Calendar
from orchestrator.plant.packml import state_number
from orchestrator.ports.lines import LINE_STATUS_FIELDS, LineStatusBinding, c2m_line_nodes


class OperationType(StrEnum):
    """The kinds of operation a routing asks for and a line can perform."""

    CUTTING = "cutting"
    SHEET_METAL = "sheet_metal"
    WELDING = "welding"
    PAINTING = "painting"
    SEWING = "sewing"
    PRESSING = "pressing"
    ASSEMBLY = "assembly"
    WIRING = "wiring"
    TESTING = "testing"
    PACKING = "packing"


class UnknownLineError(KeyError):
    """A line id that the plant does not have."""

    def __init__(self, line_id: str, known: list[str]) -> None:
        self.line_id = line_id
        super().__init__(f"the plant has no line {line_id!r}; its lines are {', '.join(known)}")

    def __str__(self) -> str:
        return str(self.args[0])


class Reliability(BaseModel):
    """How often a line fails and how long a repair takes (plant time), for simulation and planning."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mtbf_hours: float = Field(default=0.0, ge=0, description="mean operating hours between failures; 0: never")
    mttr_minutes: float = Field(default=30.0, ge=0, description="mean minutes to repair")
    abort_share: float = Field(default=0.0, ge=0, le=1, description="share of failures that abort the job")


class LineStatusConfig(BaseModel):
    """Where a line reports its status: the adapter, its endpoint and the node mapping.

    ``endpoint`` ``None`` means the plant simulator the deployment runs (``C2M_OPCUA_URL``).
    ``convention`` ``c2m`` starts from our node ids (``ns=2;s=Machines/<Line>/...``) and ``nodes``
    overrides some of them (``null`` removes one); ``none`` uses only the listed ``nodes``.
    ``states`` maps the server's raw state values to PackML state names or numbers.

    Other keys are the adapter's own settings: they are kept here and validated by the adapter's
    settings model when the plant file is loaded (see :mod:`orchestrator.integration`).
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    adapter: str = Field(default="opcua", min_length=1)
    endpoint: str | None = None
    convention: Literal["c2m", "none"] = "c2m"
    namespace_index: int = Field(default=2, ge=0, description="namespace index of the c2m convention's ids")
    nodes: dict[str, str | None] = Field(default_factory=dict)
    states: dict[str, int] = Field(default_factory=dict)

    @field_validator("nodes")
    @classmethod
    def _known_fields(cls, nodes: dict[str, str | None]) -> dict[str, str | None]:
        unknown = sorted(set(nodes) - set(LINE_STATUS_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; the fields are {', '.join(LINE_STATUS_FIELDS)}")
        return nodes

    @field_validator("states", mode="before")
    @classmethod
    def _packml_states(cls, states: object) -> dict[str, int]:
        if states is None:
            return {}
        if not isinstance(states, dict):
            raise ValueError("expected a mapping of raw state value -> PackML state name or number")
        return {str(raw): int(state_number(str(name))) for raw, name in states.items()}

    @field_validator("endpoint")
    @classmethod
    def _endpoint_scheme(cls, endpoint: str | None) -> str | None:
        if endpoint is not None and "://" not in endpoint:
            raise ValueError(f"expected an endpoint URL like opc.tcp://host:4840/, got {endpoint!r}")
        return endpoint

    def adapter_settings(self) -> dict[str, Any]:
        """Every key the plant file sets under ``status`` except ``adapter``: the adapter's settings."""
        return self.model_dump(exclude={"adapter"}, exclude_unset=True)

    def node_ids(self, line_id: str) -> dict[str, str]:
        """Our field name -> node id for ``line_id``, after convention and overrides."""
        base = c2m_line_nodes(line_id, self.namespace_index) if self.convention == "c2m" else {}
        merged: dict[str, str | None] = {**base, **self.nodes}
        return {field: node for field, node in merged.items() if node}

    @model_validator(mode="after")
    def _has_state(self) -> LineStatusConfig:
        if self.convention == "none" and not self.nodes.get("state"):
            raise ValueError("with convention 'none' the nodes mapping needs at least 'state'")
        if self.nodes.get("state", "") is None:
            raise ValueError("'state' cannot be removed from the node mapping: the line's state is required")
        return self


class LineTexts(BaseModel):
    """A line's name and station names in another language (the plant file's ``i18n: {zh-CN: {...}}``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1)
    stations: tuple[str, ...] | None = Field(default=None, description="one name per station, in the same order")


class Line(BaseModel):
    """A production line: what it can do, how fast, when it works, and where its status lives.

    ``speed_factor`` scales nominal routing times: an operation takes
    ``(setup + quantity * run_per_unit) / speed_factor``. ``mach_speed`` is the nominal rate in
    units per plant hour, the setpoint a line reports while idle.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: str = ""
    capabilities: tuple[OperationType, ...] = Field(min_length=1)
    speed_factor: float = Field(default=1.0, gt=0)
    mach_speed: float = Field(default=60.0, gt=0)
    calendar: str = Field(min_length=1)
    stations: tuple[str, ...] = ()
    reliability: Reliability = Reliability()
    defect_rate: float = Field(default=0.0, ge=0, le=0.5)
    status: LineStatusConfig = LineStatusConfig()
    i18n: dict[str, LineTexts] = Field(default_factory=dict, description="language -> translated name and stations")

    @field_validator("i18n")
    @classmethod
    def _languages(cls, i18n: dict[str, LineTexts]) -> dict[str, LineTexts]:
        for lang in i18n:
            if lang not in TRANSLATION_LANGUAGES:
                raise ValueError(
                    f"unknown language {lang!r}; translations may be given for {', '.join(TRANSLATION_LANGUAGES)} "
                    "(name and stations themselves are the English texts)"
                )
        return i18n

    @model_validator(mode="after")
    def _translated_stations(self) -> Line:
        for lang, texts in self.i18n.items():
            if texts.stations is not None and len(texts.stations) != len(self.stations):
                raise ValueError(
                    f"i18n.{lang}.stations lists {len(texts.stations)} name(s) but the line has "
                    f"{len(self.stations)} station(s); give one name per station, in the same order"
                )
        return self

    def name_in(self, lang: str | None) -> str:
        """The line's name in ``lang`` where the plant file translates it (English otherwise)."""
        texts = self.i18n.get(lang or "")
        return texts.name if texts is not None and texts.name else self.name

    def stations_in(self, lang: str | None) -> tuple[str, ...]:
        """The station names in ``lang`` where the plant file translates them (English otherwise)."""
        texts = self.i18n.get(lang or "")
        return texts.stations if texts is not None and texts.stations is not None else self.stations

    def can_do(self, op_type: OperationType | str) -> bool:
        """Whether the line can perform operations of ``op_type``."""
        return op_type in self.capabilities

    def processing_time(self, setup: timedelta, quantity: int, run_per_unit: timedelta) -> timedelta:
        """How long an operation takes on this line (plant time)."""
        if quantity < 0:
            raise ValueError(f"quantity must not be negative, got {quantity}")
        return (setup + run_per_unit * quantity) / self.speed_factor


class Plant(BaseModel):
    """The plant: named calendars and the lines, in the order the plant file lists them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    calendars: dict[str, Calendar] = Field(min_length=1)
    lines: dict[str, Line] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Plant:
        for line_id, line in self.lines.items():
            if line.id != line_id:
                raise ValueError(f"line {line_id!r} carries id {line.id!r}; the two must agree")
            if line.calendar not in self.calendars:
                raise ValueError(
                    f"line {line_id!r} uses calendar {line.calendar!r}, which the plant does not define; "
                    f"defined calendars: {', '.join(self.calendars)}"
                )
        return self

    @property
    def line_ids(self) -> list[str]:
        """The line ids in plant-file order."""
        return list(self.lines)

    def line(self, line_id: str) -> Line:
        """The line called ``line_id`` (:class:`UnknownLineError` if there is none)."""
        try:
            return self.lines[line_id]
        except KeyError:
            raise UnknownLineError(line_id, self.line_ids) from None

    def lines_for(self, op_type: OperationType | str) -> list[Line]:
        """The lines able to perform ``op_type``, in plant-file order (empty when none can)."""
        return [line for line in self.lines.values() if line.can_do(op_type)]

    def calendar_for(self, line_id: str) -> Calendar:
        """The working calendar of a line."""
        return self.calendars[self.line(line_id).calendar]

    def status_binding(self, line_id: str, default_endpoint: str) -> LineStatusBinding:
        """Everything a line status adapter needs for ``line_id``.

        ``default_endpoint`` is used when the plant file leaves the endpoint to the deployment
        (normally the plant simulator's URL from the settings).
        """
        line = self.line(line_id)
        return LineStatusBinding(
            line=line_id,
            adapter=line.status.adapter,
            endpoint=line.status.endpoint or default_endpoint,
            nodes=line.status.node_ids(line_id),
            states=dict(line.status.states),
        )
