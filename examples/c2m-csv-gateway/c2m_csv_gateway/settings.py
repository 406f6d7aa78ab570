"""The adapter's settings: a line's ``status:`` block in the plant file, besides ``adapter``.

c2m validates them with :class:`CsvGatewaySettings` when it loads the plant file, so a misspelt key
or a bad value stops the start with the file, the key and what is expected.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Our name of every column the adapter reads (``lines.csv`` first, then ``completions.csv``).
#: ``columns:`` in the settings maps any of them to the name the gateway uses.
COLUMNS: tuple[str, ...] = (
    "line", "state", "mode", "mach_speed", "cur_mach_speed", "processed_count", "defective_count",
    "job_order_id", "planned_quantity", "produced_quantity", "defective_quantity", "stop_reason",
    "stop_reason_text", "completed_count", "last_completed_job_order_id", "last_aborted_job_order_id",
    "gateway_started", "seq",
)


class CsvGatewaySettings(BaseModel):
    """Where the gateway is, how often to ask it, and how its CSV names our columns.

    ``endpoint``: the gateway's base URL; the exports are under ``export/``.
    ``poll_interval``: seconds between two reads of ``lines.csv``.
    ``timeout``: seconds one HTTP request may take.
    ``down_after``: seconds without an answer before the link is reported ``down`` (it is
    ``reconnecting`` from the first failed request).
    ``max_backoff``: while the gateway does not answer, the wait between attempts doubles from
    ``poll_interval`` up to this many seconds.
    ``columns``: our column name -> the gateway's, for gateways that name them otherwise.
    ``states``: the gateway's raw state values -> PackML state names or numbers (empty: the
    values are PackML numbers).
    ``convention``, ``namespace_index``: accepted, and ignored, so that a plant file whose
    ``defaults.status`` is written for OPC UA lines can also hold lines behind a gateway.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str | None = Field(description="the gateway's base URL, e.g. http://10.1.2.9:8080/")
    poll_interval: float = Field(default=1.0, gt=0, le=3600)
    timeout: float = Field(default=5.0, gt=0, le=300)
    down_after: float = Field(default=10.0, gt=0)
    max_backoff: float = Field(default=10.0, gt=0)
    columns: dict[str, str] = Field(default_factory=dict)
    states: dict[str, int | str] = Field(default_factory=dict)
    convention: Literal["c2m", "none"] = "c2m"
    namespace_index: int = Field(default=2, ge=0)

    @field_validator("endpoint")
    @classmethod
    def _http(cls, endpoint: str | None) -> str:
        if endpoint is None or not endpoint.startswith(("http://", "https://")) or len(endpoint.split("://")[1]) == 0:
            raise ValueError("expected the gateway's http:// or https:// URL, e.g. http://10.1.2.9:8080/")
        return endpoint if endpoint.endswith("/") else f"{endpoint}/"

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(COLUMNS))
        if unknown:
            raise ValueError(f"unknown column(s) {unknown}; the columns are {', '.join(COLUMNS)}")
        empty = sorted(ours for ours, theirs in columns.items() if not str(theirs).strip())
        if empty:
            raise ValueError(f"column(s) {empty} renamed to an empty name; give the gateway's column name")
        return columns

    def column(self, ours: str) -> str:
        """The gateway's name of our column ``ours``."""
        return self.columns.get(ours, ours)
