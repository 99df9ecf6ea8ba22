"""The counter never acts twice (DESIGN.md rule 3). Every state-changing form carries a key generated when the
form was rendered; the first POST with a key does the work and stores where it led in IdempotencyRecord, in
the same transaction as the work, and a repeat (a double tap, a retry after the network failed) is sent to
the same place without doing anything again. A POST that is refused stores nothing: nothing happened, so the
same form may be sent again once corrected."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from loyalty.models import IdempotencyRecord
from loyalty.services.idempotency import idempotency_claim

FIELD = "idempotency_key"
PREFIX = "counter:"
IGNORED_FIELDS = {"csrfmiddlewaretoken"}


def new_key() -> str:
    return uuid.uuid4().hex


class Refused(Exception):
    """Raised by an action to roll back everything it did (the record too) and answer `response`."""

    def __init__(self, response: HttpResponse):
        self.response = response


def fingerprint(request) -> str:
    """The path and everything the form sent: the same key with other values is not a retry."""
    items = sorted(
        (name, value) for name in request.POST if name not in IGNORED_FIELDS for value in request.POST.getlist(name)
    )
    canonical = "\n".join(f"{name}={value}" for name, value in items)
    return hashlib.sha256(f"{request.path}\n{canonical}".encode()).hexdigest()


def _valid(key: str) -> bool:
    return 8 <= len(key) <= 64 and key.isascii() and key.isalnum()


def once(request, action: Callable[[], str], *, back: str) -> HttpResponse:
    """Run `action` once for this form's key; it returns the URL to go to next (stored for repeats) or raises
    Refused. `back` is where a form without a usable key is sent."""
    key = request.POST.get(FIELD, "")
    if not _valid(key):
        messages.error(request, _("This form is out of date. Nothing was done; please try again."))
        return redirect(back)
    shop, print_ = request.shop, fingerprint(request)
    try:
        with transaction.atomic():
            record = idempotency_claim(shop_id=shop.pk, key=PREFIX + key, fingerprint=print_)
            if record is not None:
                target = action()
                record.status, record.body = 303, target.encode()
                record.save(update_fields=["status", "body"])
                return redirect(target)
    except Refused as refused:
        return refused.response
    return _repeat(request, IdempotencyRecord.objects.filter(shop=shop, key=PREFIX + key).first(), print_, back)


def _repeat(request, existing: IdempotencyRecord | None, print_: str, back: str) -> HttpResponse:
    if existing is None or existing.status is None:
        messages.warning(request, _("This is still being done. Wait a moment and look again before repeating it."))
        return redirect(back)
    if existing.fingerprint != print_:
        messages.error(request, _("This form was already sent with other values. Nothing was done; please try again."))
        return redirect(back)
    messages.info(request, _("Already done: it was recorded once, and nothing was done twice."))
    return redirect(bytes(existing.body).decode())
