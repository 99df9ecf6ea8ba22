"""Every API failure in the spec's shape: {"error": {"code", "message", "fields"}} (pos-api.md)."""

from __future__ import annotations

import logging

from django.http import Http404, JsonResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from loyalty.errors import DomainError

log = logging.getLogger(__name__)


def nul_field(value, path: tuple = ()) -> str | None:
    """The first field of a JSON body whose text holds U+0000, as a JSON path: valid JSON, but no text column can
    store it (PostgreSQL refuses), so it is refused as input instead of failing at the write."""
    if isinstance(value, str):
        return _field_name(path) if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return _field_name((*path, key))
        if (found := nul_field(item, (*path, key))) is not None:
            return found
    return None


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None) -> JsonResponse:
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = {k: str(v) for k, v in fields.items()}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_name(loc) -> str:
    """A pydantic location as a JSON path: ('body', 'payload', 'items', 0, 'amount') → items[0].amount."""
    parts = [p for p in loc if p not in ("body", "payload", "query", "path", "data")]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    return error.get("msg", "is not valid").removeprefix("Value error, ")


def validation_fields(errors: list[dict]) -> dict:
    return {_field_name(e.get("loc", ())): _message(e) for e in errors}


def install(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields = validation_fields(exc.errors)
        code = "invalid_phone" if "phone" in fields else "validation_error"
        return error_response(422, code, "Some values are not valid.", fields)

    @api.exception_handler(AuthenticationError)
    def unauthorised(request, exc):
        return error_response(401, "unauthorized", "A valid API key is required (Authorization: Bearer <key>).")

    @api.exception_handler(AuthorizationError)
    def forbidden(request, exc):
        return error_response(403, "forbidden", "This API key's role may not do this.")

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        wait = max(int(exc.wait or 1), 1)
        return error_response(
            429, "rate_limited", "Too many requests for this API key; slow down.", headers={"Retry-After": str(wait)}
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(404, "not_found", "Not found.")

    @api.exception_handler(Exception)
    def server_error(request, exc):
        log.exception("till API: unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "Something went wrong on our side; it is safe to retry.")
