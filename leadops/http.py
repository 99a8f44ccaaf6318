"""HTTP plumbing shared by every app: typed HTMX request, request ids, structured logs."""

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django_htmx.middleware import HtmxDetails

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class HtmxHttpRequest(HttpRequest):
    """An HttpRequest as django-htmx leaves it, for type hints in views."""

    htmx: HtmxDetails


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Tags every request (and every log line it writes) with an id, echoed as X-Request-ID.

    A well-formed incoming X-Request-ID from a proxy is kept so logs join up across hops.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            _request_id.reset(token)


class NulFreeQueryMiddleware:
    """Drops NUL characters from the query parameters of every request, before any view reads them.

    PostgreSQL refuses NUL in text, so a search box or list filter given one (`?q=%00`, an admin
    filter parameter) would fail its query with a server error; no parameter means anything by one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            pairs = [(key.replace("\x00", ""), value.replace("\x00", ""))
                     for key, values in request.GET.lists() for value in values]
            request.GET = QueryDict(urlencode(pairs))
        return self.get_response(request)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key in ("lead_id", "task", "duration_ms", "tokens", "cost_usd"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def posted_uuids(values: list[str]) -> list[uuid.UUID]:
    """The well-formed ids among posted values (ticked rows); anything else matches no row (not a 500)."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids
