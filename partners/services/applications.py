"""Applications to become a shop's partner: anyone applies through the public form, the owner approves (a
partner with a fresh code on a plan, and an email with their link) or rejects."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.member_site.access import absolute_url
from loyalty.models import Shop
from loyalty.services.members import code_normalise, phone_normalise

from ..errors import ApplicationDecided
from ..models import Application, ApplicationStatus, Partner, Plan
from ..selectors import partner_link_path
from .programs import partner_save

CODE_LETTERS = 6


def _plain(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


@transaction.atomic
def application_submit(
    *, shop: Shop, name: str, email: str, phone: str = "", website: str = "", message: str = ""
) -> Application:
    name, email = _plain(name, 200), _plain(email, 254).lower()
    problems = {}
    if not name:
        problems["name"] = "is required"
    if "@" not in email:
        problems["email"] = "not an email address"
    if phone:
        try:
            phone = phone_normalise(phone, shop.country)
        except ValidationFailed:
            problems["phone"] = "not a valid phone number"
    if problems:
        raise ValidationFailed(fields=problems)
    return Application.objects.create(
        shop=shop, name=name, email=email, phone=phone, website=_plain(website, 300), message=_plain(message, 2000)
    )


def _decidable(application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.PENDING:
        raise ApplicationDecided(_("The application of %(name)s was decided already.") % {"name": locked.name})
    return locked


def code_for(shop: Shop, name: str) -> str:
    """A new partner's code: letters of their name and two digits ("ANHFOO42"), free at the shop."""
    letters = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore")
    stem = code_normalise(letters.decode())[:CODE_LETTERS] or "PARTNER"
    while True:
        code = f"{stem}{secrets.randbelow(90) + 10}"
        if not Partner.objects.filter(shop=shop, key=code).exists():
            return code


@transaction.atomic
def application_approve(
    *, application: Application, plan: Plan, code: str = "", by=None, at: datetime | None = None
) -> Partner:
    """The applicant becomes a partner on `plan` (with `code`, or one made from their name) and is emailed their
    link and how to sign in, once the approval is committed."""
    application = _decidable(application)
    shop = application.shop
    partner = partner_save(
        shop=shop,
        code=code or code_for(shop, application.name),
        name=application.name,
        plan=plan,
        email=application.email,
        phone=application.phone,
        payout_method="bank_transfer",
    )
    application.status, application.partner = ApplicationStatus.APPROVED, partner
    application.decided_at, application.decided_by = at or timezone.now(), by
    application.save(update_fields=["status", "partner", "decided_at", "decided_by"])
    transaction.on_commit(lambda: welcome_send(partner))
    return partner


@transaction.atomic
def application_reject(*, application: Application, by=None, at: datetime | None = None) -> Application:
    application = _decidable(application)
    application.status, application.decided_by = ApplicationStatus.REJECTED, by
    application.decided_at = at or timezone.now()
    application.save(update_fields=["status", "decided_at", "decided_by"])
    return application


def welcome_send(partner: Partner) -> None:
    """The approved partner's email, in the shop's language: their link and how to sign in to their page."""
    context = {
        "partner": partner,
        "shop": partner.shop,
        "link": absolute_url(partner_link_path(partner)),
        "sign_in": absolute_url(reverse("partners:sign_in")),
    }
    with translation.override(partner.shop.language):
        subject = render_to_string("partners/email/approved_subject.txt", context).strip()
        body = render_to_string("partners/email/approved_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [partner.email])
