"""The API's error answers as its OpenAPI schema declares them: ``{"detail": ...}`` with a status per cause.

Routes declare the statuses they answer with ``responses=answers(404, 503, ...)``, so clients (and the
schema fuzzing in CI) know every status an operation can return. ``document_error_answers`` completes the
generated schema for what applies to every operation: a 422 whose ``detail`` is either FastAPI's list of
field errors or this API's own explanation (a sentence, or an object such as a quote's list of problems),
and 400 (unreadable body) and 413 (the request size limit, ``orchestrator.api.limits``) on every
operation that takes a body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class ErrorAnswer(BaseModel):
    """What went wrong, where, and how to fix it."""

    detail: str | dict[str, Any] | list[dict[str, Any]] = Field(
        description="a sentence, an object with a message and the problems, or the list of fields that are wrong")


DESCRIPTIONS = {
    400: "the body cannot be read as JSON (e.g. it is not UTF-8)",
    401: "the request is not authenticated: no bearer token, an invalid one, or a bad webhook signature",
    403: "the caller's role may not do this (the detail names the roles that may), or the installation "
         "does not allow it (e.g. a demo tool in production mode)",
    404: "the named resource does not exist; the detail says which and where to find the known ones",
    409: "the resource is in a state that does not allow this now; the detail says which",
    413: "the request body is larger than C2M_MAX_REQUEST_BYTES",
    422: "the request is not valid; the detail says which field (or option) is wrong and why",
    429: "too many requests from this caller; retry after the Retry-After header's seconds",
    503: "a component this needs (workflow engine, plant, MES or supplier) cannot be reached; retry shortly",
}


def answers(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route can answer; ``s404="..."`` overrides a description."""
    declared: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorAnswer, "description": described.get(f"s{status}", DESCRIPTIONS[status])}
        for status in statuses
    }
    return declared


def document_error_answers(app: FastAPI) -> None:
    """Complete the app's generated OpenAPI schema with the error answers every operation shares."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _complete(generate())
        return app.openapi_schema  # type: ignore[return-value]  # set by generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    validation = components.get("HTTPValidationError")
    if validation is not None:
        fields = validation["properties"]["detail"]
        validation["properties"]["detail"] = {
            "title": "Detail",
            "description": "the fields that are wrong (each with its location and message), or this API's own "
                           "explanation: a sentence, or an object with a message and the problems",
            "anyOf": [{k: v for k, v in fields.items() if k != "title"}, {"type": "string"}, {"type": "object"}],
        }
    components.setdefault("ErrorAnswer", ErrorAnswer.model_json_schema())
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                for status in ("400", "413"):
                    operation.setdefault("responses", {}).setdefault(
                        status, {"description": DESCRIPTIONS[int(status)], "content": content})
