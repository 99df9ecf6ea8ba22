"""The membership's messages to its member: the receipt of a payment, the renewal reminder, and a change of status
(cancelled, in grace, expired). Texts in templates/messages/membership_*.txt; notify() decides how they go."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from loyalty.models import MessageKind
from loyalty.services.notifications import Money, message_event, notify

message_event("membership_receipt", MessageKind.TRANSACTIONAL, _("Membership receipt"))
message_event("membership_reminder", MessageKind.TRANSACTIONAL, _("Membership renewal reminder"))
message_event("membership_changed", MessageKind.TRANSACTIONAL, _("Membership changed"))
message_event("pack_receipt", MessageKind.TRANSACTIONAL, _("Prepaid pack receipt"))


def membership_message(membership, event: str, at: datetime, *, payment=None, dedupe_key: str | None = None):
    """One message about the membership; a payment's receipt once per payment."""
    currency = membership.shop.currency
    context = {
        "plan": membership.plan.name,
        "status": membership.status_at(at),
        "status_label": membership.get_status_display(),
        "ends_at": membership.ends_at,
        "grace_ends_at": membership.grace_ends_at,
        "cancel_at_period_end": membership.cancel_at_period_end,
    }
    if payment is not None:
        context |= {
            "amount": Money(payment.amount, currency),
            "price": Money(payment.price, currency),
            "points_redeemed": payment.points,
            "reference": payment.reference,
        }
        dedupe_key = dedupe_key or f"membership-payment:{payment.pk}"
    member = membership.member
    member.shop = membership.shop
    return notify(member=member, event=event, context=context, dedupe_key=dedupe_key, at=at)
