"""What the partner program does when the core reports an enrolment, a purchase or a refund (loyalty.hooks events,
inside the change's transaction: an error here rolls the change back)."""

from __future__ import annotations

from loyalty import hooks

from .models import Binding, Commission
from .services.attribution import code_used, source_of_channel
from .services.commissions import refund_applied, sale_commission
from .services.programs import partner_for_code, partners_enabled


@hooks.on(hooks.MemberEnrolled)
def member_enrolled(event: hooks.MemberEnrolled) -> None:
    """A code at enrolment (the partner's link, the counter's field, the till's partner_code) binds the customer;
    an unknown code refuses the enrolment (invalid_partner_code)."""
    if not event.partner_code:
        return
    partner = partner_for_code(event.member.shop, event.partner_code)
    code_used(partner=partner, member=event.member, source=source_of_channel(event.channel), at=event.at)


@hooks.on(hooks.PurchaseRecorded)
def purchase_recorded(event: hooks.PurchaseRecorded) -> None:
    """A purchase carrying a code binds a customer bound to no one (an unknown code refuses the purchase); a bound
    customer's purchase earns their partner a commission when the plan pays for it. A shop without a partner
    program pays no query here."""
    shop = event.purchase.shop
    if not event.partner_code and not partners_enabled(shop):
        return
    if event.partner_code:
        partner = partner_for_code(shop, event.partner_code)
        binding = code_used(
            partner=partner, member=event.member, source="purchase", purchase=event.purchase, at=event.at
        )
    else:
        binding = Binding.objects.select_related("partner__plan").filter(member=event.member).first()
    if binding is not None:
        sale_commission(binding=binding, purchase=event.purchase, member=event.member, first=event.first)


@hooks.on(hooks.PurchaseRefunded)
def purchase_refunded(event: hooks.PurchaseRefunded) -> None:
    """Asked for every refund, partner program or not: a shop that stopped its program still claws back."""
    refund_applied(purchase=event.purchase, refund=event.refund, complete=event.complete, at=event.at)


@hooks.on(hooks.MembersMerged)
def members_merged(event: hooks.MembersMerged) -> None:
    """The duplicate's partner binding goes with the customer to the kept member unless the kept member is bound
    already (one binding per customer; theirs stays); the duplicate's commissions name the kept member, as their
    purchases do now."""
    if not Binding.objects.filter(member=event.keep).exists():
        Binding.objects.filter(member=event.duplicate).update(member=event.keep)
    Commission.objects.filter(member=event.duplicate).update(member=event.keep)
