"""Binding customers to partners: by the partner's link or code at enrolment, or by a purchase carrying the code.
The first binding wins; every later code is recorded, not applied; a partner cannot bind themselves."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from loyalty.models import Member, Purchase

from ..models import Binding, BindingSource, CodeOutcome, CodeUse, Partner
from .programs import buys_for_themselves


def code_used(
    *, partner: Partner, member: Member, source: str, at: datetime, purchase: Purchase | None = None
) -> Binding | None:
    """Record that the customer came with this partner's code, binding them when they are bound to no one yet;
    returns the customer's binding (theirs before, or this new one), or None."""
    binding = Binding.objects.select_related("partner__plan").filter(member=member).first()
    if binding is not None:
        outcome = CodeOutcome.ALREADY_BOUND
    elif not partner.active:
        outcome = CodeOutcome.INACTIVE
    elif buys_for_themselves(partner, member):
        outcome = CodeOutcome.SELF
    else:
        binding = _bind(partner=partner, member=member, source=source, purchase=purchase, at=at)
        outcome = CodeOutcome.BOUND if binding.partner_id == partner.pk else CodeOutcome.ALREADY_BOUND
    CodeUse.objects.create(
        shop_id=member.shop_id,
        partner=partner,
        member=member,
        source=source,
        purchase=purchase,
        outcome=outcome,
        at=at,
    )
    return binding


def _bind(*, partner: Partner, member: Member, source: str, purchase: Purchase | None, at: datetime) -> Binding:
    """The binding, once per member (its unique index decides: a concurrent first binding wins and is returned)."""
    try:
        with transaction.atomic():
            binding = Binding.objects.create(
                shop_id=member.shop_id, partner=partner, member=member, source=source, purchase=purchase, bound_at=at
            )
    except IntegrityError:
        return Binding.objects.select_related("partner__plan").get(member=member)
    binding.partner = partner
    return binding


def source_of_channel(channel: str) -> str:
    """Where an enrolment came from, as a binding records it."""
    return channel if channel in BindingSource.values else BindingSource.TILL
