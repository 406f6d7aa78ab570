"""Where a plant's lines live on an MQTT broker in Sparkplug B terms.

One edge node per plant, one device per line: ``spBv1.0/<group_id>/DDATA/<edge_node_id>/<device>``.
A line's endpoint, as a plant file would write it, is
``mqtt://<host>:<port>/<group_id>/<edge_node_id>/<device_id>`` (:meth:`SparkplugSettings.endpoint`,
:meth:`SparkplugSettings.from_endpoint`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ID = re.compile(r"^[^/+#]+$")


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{what} {value!r} must be non-empty without '/', '+' or '#' (MQTT topic levels)")
    return value


class SparkplugSettings(BaseModel):
    """The broker and the Sparkplug ids of one edge node (a plant) and its devices (lines).

    ``devices`` maps a line id to its device id; a line not listed is the device of the same id.
    ``rebirth_every`` is how long the adapter waits for births after asking (NCMD Rebirth) before
    asking again; ``down_after`` how long without the line makes the link ``down``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=1883, ge=1, le=65535)
    group_id: str = "c2m"
    edge_node_id: str = "plant"
    devices: dict[str, str] = Field(default_factory=dict)
    keepalive: int = Field(default=10, ge=1, le=600, description="MQTT keepalive, seconds")
    rebirth_every: float = Field(default=3.0, gt=0)
    down_after: float = Field(default=10.0, gt=0)
    command_timeout: float = Field(default=5.0, gt=0, description="seconds to wait for a DCMD's answer")

    @field_validator("group_id", "edge_node_id")
    @classmethod
    def _topic_level(cls, value: str) -> str:
        return _check_id(value, "Sparkplug id")

    @field_validator("devices")
    @classmethod
    def _device_ids(cls, devices: dict[str, str]) -> dict[str, str]:
        for device in devices.values():
            _check_id(device, "device id")
        return devices

    def device_of(self, line: str) -> str:
        """The Sparkplug device id of ``line``."""
        return _check_id(self.devices.get(line, line), "device id")

    def endpoint(self, line: str) -> str:
        """``mqtt://host:port/group/edge node/device`` for ``line``."""
        return f"mqtt://{self.host}:{self.port}/{self.group_id}/{self.edge_node_id}/{self.device_of(line)}"

    @classmethod
    def from_endpoint(cls, line: str, endpoint: str) -> SparkplugSettings:
        """Settings for ``line`` from an endpoint ``mqtt://host[:port]/group/edge node[/device]``."""
        url = urlsplit(endpoint)
        parts = [p for p in url.path.split("/") if p]
        if url.scheme not in ("mqtt", "tcp") or not url.hostname or len(parts) not in (2, 3):
            raise ValueError(
                f"expected a Sparkplug endpoint like mqtt://127.0.0.1:1883/c2m/plant/{line}, got {endpoint!r}"
            )
        devices = {line: parts[2]} if len(parts) == 3 else {}
        return cls(host=url.hostname, port=url.port or 1883, group_id=parts[0], edge_node_id=parts[1], devices=devices)
