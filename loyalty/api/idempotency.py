"""Idempotency-Key handling for every state-changing POST of the till API (pos-api.md: Idempotency).

A middleware, so that it wraps everything the API answers (its own validation errors included). A success is
stored with its response at the end of the transaction of its effects, by one INSERT that the unique index of
(shop, key) decides: a concurrent repeat of the key waits on that index until the first commits, finds it
taken, rolls its own work back and replays the stored response; so does a repeat after the first committed.
An error changes nothing: its transaction is rolled back whole (so the services inside need no savepoints)
and a 4xx is stored on its own; 5xx and 429 are not stored and may be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse

from loyalty.models import IdempotencyRecord
from loyalty.services.idempotency import idempotency_store
from loyalty.services.transactions import whole_or_nothing

from .auth import api_key_resolve
from .errors import error_response, nul_field

API_PREFIX = "/api/v1/"
REPLAY_HEADER = "Idempotent-Replayed"


class _RolledBack(Exception):
    """Raised inside the transaction to roll it back; carries the response, or None when the key was taken."""

    def __init__(self, response=None):
        self.response = response


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(32 < ord(ch) < 127 or ch == " " for ch in key) and key.strip() == key


def fingerprint(method: str, path: str, body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status, content_type="application/json")
    response[REPLAY_HEADER] = "true"
    return response


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        api_key = api_key_resolve(_bearer(request))
        if api_key is None:
            return self.get_response(request)  # the API answers 401
        request.api_key = api_key
        body = self._body_object(request)
        if isinstance(body, HttpResponse):
            return body
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return error_response(400, "idempotency_key_required", "This request needs an Idempotency-Key header.")
        if not _valid_key(key):
            return error_response(
                400, "idempotency_key_invalid", "The Idempotency-Key must be 1-255 printable ASCII characters."
            )
        return self._once(request, api_key.shop_id, key, fingerprint(request.method, request.path, body))

    @staticmethod
    def _body_object(request):
        if not request.body:
            return {}
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return error_response(400, "invalid_json", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return error_response(400, "invalid_json", "The body must be a JSON object.")
        if (field := nul_field(body)) is not None:
            return error_response(
                422, "validation_error", "Some values are not valid.", {field: "must not contain NUL characters"}
            )
        return body

    def _once(self, request, shop_id: int, key: str, print_: str) -> HttpResponse:
        try:
            with whole_or_nothing():
                response = self.get_response(request)
                if response.status_code >= 400:
                    raise _RolledBack(response)
                if idempotency_store(shop_id=shop_id, key=key, fingerprint=print_, response=response):
                    return response
                raise _RolledBack()  # the key was taken meanwhile: this request's work is undone
        except _RolledBack as rolled_back:
            response = rolled_back.response
        if response is not None:
            if response.status_code >= 500 or response.status_code == 429:
                return response
            if idempotency_store(shop_id=shop_id, key=key, fingerprint=print_, response=response):
                return response
        return self._repeat(IdempotencyRecord.objects.filter(shop_id=shop_id, key=key).first(), print_)

    @staticmethod
    def _repeat(existing: IdempotencyRecord | None, print_: str) -> HttpResponse:
        if existing is not None and existing.fingerprint != print_:
            return error_response(
                409, "idempotency_conflict", "This Idempotency-Key was used with a different request."
            )
        if existing is None:  # purged between the two statements: rare enough to ask for a retry
            return error_response(409, "idempotency_conflict", "A request with this key is still in progress.")
        return _replay(existing)
