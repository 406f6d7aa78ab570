"""The MES's refusals; the HTTP edge maps each to a status code."""

from __future__ import annotations


class MesRefusal(Exception):
    """Base: the message says what is wrong and how to fix it."""

    status_code = 400

    def body(self) -> dict[str, object]:
        """The JSON error body: ``detail`` for people, ``error`` (the refusal's kind) for programs."""
        return {"detail": str(self), "error": type(self).__name__}


class JobNotFound(MesRefusal):
    """No job order with this id (404)."""

    status_code = 404

    def __init__(self, job_order_id: str) -> None:
        self.job_order_id = job_order_id
        super().__init__(f"job order {job_order_id!r} is unknown to this MES")

    def body(self) -> dict[str, object]:
        """Adds the unknown ``JobOrderID``."""
        return {**super().body(), "JobOrderID": self.job_order_id}


class LineNotFound(MesRefusal):
    """No line with this id in the plant (404)."""

    status_code = 404


class JobConflict(MesRefusal):
    """The request contradicts the job's state or stored content (409)."""

    status_code = 409


class JobInvalid(MesRefusal):
    """The request is well-formed JSON but makes no sense here (422)."""

    status_code = 422


class PlantUnavailable(MesRefusal):
    """The OPC UA plant cannot be reached right now (503); retry later."""

    status_code = 503
