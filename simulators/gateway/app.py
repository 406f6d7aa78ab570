"""The gateway's HTTP face: two CSV exports, read-only, as an old PLC gateway serves them."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse

from simulators.gateway.export import ExportBook, UnknownLine

CSV = "text/csv; charset=utf-8"


def create_app(book: ExportBook) -> FastAPI:
    """The export endpoints over ``book`` (which the simulator keeps up to date)."""
    app = FastAPI(title="Legacy line gateway (simulated)", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/export/lines.csv")
    def lines_csv() -> PlainTextResponse:
        """Every exported line's current values, one row per line."""
        return PlainTextResponse(book.lines_csv(), media_type=CSV)

    @app.get("/export/lines/{line}/completions.csv")
    def completions_csv(line: str, since: Annotated[int, Query(ge=0)] = 0) -> PlainTextResponse:
        """The line's completed job orders with a sequence number above ``since``, oldest first."""
        try:
            return PlainTextResponse(book.completions_csv(line, since), media_type=CSV)
        except UnknownLine:
            known = ", ".join(book.lines) or "none"
            return PlainTextResponse(f"no line {line!r} on this gateway; its lines: {known}\r\n", status_code=404)

    return app
