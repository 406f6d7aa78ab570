"""Render a page: the Jinja2 environment, the page language and what every template receives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from orchestrator.web.i18n import LANG_COOKIE, LANGUAGES, choose_language, messages, translator

TEMPLATES_DIR = Path(__file__).parent / "templates"

_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False, default=str)


def page_language(request: Request) -> str:
    return choose_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                           request.headers.get("accept-language"))


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           js_messages: tuple[str, ...] = (), status_code: int = 200) -> HTMLResponse:
    """Render ``template`` in the reader's language.

    ``js_messages`` lists the message-key prefixes the page's script needs (e.g. ``("track.",)``); they are
    embedded as JSON for ``C2M.t(key)``. A ``?lang=`` choice is remembered in a cookie.
    """
    lang = page_language(request)
    t = translator(lang)
    own, english = messages(lang), messages("en")
    prefixes = ("common.", *js_messages)
    embedded = {k: own.get(k) or v for k, v in english.items() if k.startswith(prefixes)}
    settings = request.app.state.settings
    html = _env.get_template(template).render(
        request=request, lang=lang, languages=LANGUAGES, t=t, js_messages=embedded,
        demo=settings.mode == "dev", path=request.url.path, **(context or {}),
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response
