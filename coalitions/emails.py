"""The email an invited shop's owners get: who invites them, to what, on which terms, and where to answer."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from loyalty.formats import display_locale
from loyalty.member_site.access import absolute_url
from loyalty.models import Role, StaffMembership
from loyalty.money import format_money


def invitation_email_send(invitation) -> None:
    """To every owner of the invited shop, in the shop's language."""
    shop = invitation.shop
    owners = StaffMembership.objects.filter(shop=shop, role=Role.OWNER).select_related("user")
    recipients = sorted({m.user.email for m in owners if m.user.email})
    if not recipients:
        return
    currency = invitation.coalition.currency
    with translation.override(shop.language):
        locale = str(display_locale())
        context = {
            "invitation": invitation,
            "coalition": invitation.coalition,
            "shop": shop,
            "inviter": invitation.invited_by_shop,
            "cost": format_money(invitation.cost_per_point, currency, locale),
            "reimbursement": format_money(invitation.reimbursement_per_point, currency, locale),
            "answer_url": absolute_url(reverse("coalitions:home")),
        }
        subject = render_to_string("coalitions/email/invitation_subject.txt", context).strip()
        body = render_to_string("coalitions/email/invitation_message.txt", context)
    send_mail(subject, body, None, recipients)
