"""The counter's membership actions: sell or renew a plan (paid in cash, by card or bank transfer, optionally partly
in points) and cancel one (a manager only: a refund hands money back). Each POST runs once per form (the counter's
idempotency keys) and goes back to the member's panel."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.counter import state
from loyalty.counter.errors import friendly
from loyalty.counter.idempotency import Refused, once
from loyalty.counter.views import counter_view, member_url
from loyalty.errors import DomainError
from loyalty.models import Member, Role
from loyalty.money import format_money, round_money

from ..errors import PriceChanged
from ..forms import CancelForm, PackSellForm, SellForm
from ..models import Checkout, CheckoutStatus, Membership, PackPurchase, PaymentMethod
from ..services.checkout import checkout_confirm as checkout_done
from ..services.lifecycle import membership_cancel, membership_purchase, membership_trial_start
from ..services.packs import allowance_use, pack_buy, pack_get, pack_refund, pack_use


def _member(request, member_id) -> Member:
    return get_object_or_404(
        Member.objects.select_related("account", "shop"), shop=request.shop, pk=member_id, merged_into__isnull=True
    )


def _panel(member) -> str:
    return member_url(member.pk) + "#membership"


def _refuse(request, member, text: str):
    messages.error(request, text)
    return Refused(redirect(_panel(member)))


def _once_on_panel(request, member, step: Callable[[], None]):
    """Run `step` once for the form's key and go back to the member's membership panel; a refusal by a service
    rolls everything back and says why in the counter's words. `step` says what was done (messages)."""

    def action() -> str:
        try:
            step()
        except DomainError as error:
            raise _refuse(request, member, friendly(error)) from None
        return _panel(member)

    return once(request, action, back=member_url(member.pk))


def _cleaned(request, member, form) -> dict:
    if not form.is_valid():
        raise _refuse(request, member, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return form.cleaned_data


def _still_to_pay(shop, price, points: int):
    """What the customer pays in money when `points` cover part of `price` (points worth more: the service says)."""
    worth = round_money(points * shop.program.point_value, shop.currency) if points else 0
    return max(price - worth, 0)


@require_POST
@counter_view
def sell(request, member_id: int):
    member = _member(request, member_id)

    def step() -> None:
        data = _cleaned(request, member, SellForm(request.POST))
        points = data["points"] or 0
        try:
            paid = membership_purchase(
                member=member,
                plan_code=data["plan"],
                amount_paid=_still_to_pay(request.shop, data["price"], points),
                points=points,
                method=data["method"],
                reference=data["reference"],
                actor=state.actor(request),
            )
        except PriceChanged as error:
            raise _refuse(
                request, member, _("The price changed to %(price)s: check it and sell again.") % error.fields
            ) from None
        messages.success(
            request,
            _("%(plan)s paid (%(amount)s): a member until %(date)s.")
            % {
                "plan": paid.membership.plan.name,
                "amount": format_money(paid.payment.amount, request.shop.currency),
                "date": paid.membership.ends_at.astimezone(request.shop.tz).date().isoformat(),
            },
        )

    return _once_on_panel(request, member, step)


@require_POST
@counter_view
def trial(request, member_id: int):
    member = _member(request, member_id)

    def step() -> None:
        started = membership_trial_start(member=member, plan_code=request.POST.get("plan", ""))
        messages.success(request, _("Free trial of %(plan)s started.") % {"plan": started.plan.name})

    return _once_on_panel(request, member, step)


@require_POST
@counter_view
def cancel(request, member_id: int):
    member = _member(request, member_id)

    def step() -> None:
        if not Role.at_least(request.acting.role, Role.MANAGER):
            raise _refuse(request, member, _("Only a manager can cancel a membership."))
        form = CancelForm(request.POST)
        membership = Membership.objects.select_related("member").filter(member=member).first()
        if membership is None or not form.is_valid():
            raise _refuse(request, member, _("There is no membership to cancel."))
        refund = form.cleaned_data["how"] == "refund"
        membership_cancel(membership=membership, at_once=refund, refund=refund, actor=state.actor(request))
        messages.success(request, _("The membership is cancelled."))

    return _once_on_panel(request, member, step)


@require_POST
@counter_view
def checkout_confirm(request, checkout_id: int):
    """A bank transfer for a member page's checkout arrived (the cashier saw it carry the reference)."""
    checkout = get_object_or_404(Checkout.objects.select_related("member"), pk=checkout_id, shop=request.shop)
    member = checkout.member

    def step() -> None:
        done = checkout_done(
            checkout=checkout,
            amount=checkout.amount,
            method=PaymentMethod.BANK_TRANSFER,
            external_id=request.POST.get("reference", "")[:200],
            actor=state.actor(request),
        )
        if done.status == CheckoutStatus.PAID:
            messages.success(request, _("Payment confirmed: %(plan)s is active.") % {"plan": done.plan.name})
        else:  # recorded as paid at the old price: not a refusal, nothing rolls back
            messages.error(request, _("The price changed since the member started: settle it with them."))

    return _once_on_panel(request, member, step)


@require_POST
@counter_view
def pack_sell(request, member_id: int):
    member = _member(request, member_id)

    def step() -> None:
        data = _cleaned(request, member, PackSellForm(request.POST))
        points = data["points"] or 0
        pack = pack_get(request.shop, data["pack"])
        bought = pack_buy(
            member=member, pack_code=pack.code, amount_paid=_still_to_pay(request.shop, pack.price, points),
            points=points, method=data["method"], reference=data["reference"], actor=state.actor(request),
        )  # fmt: skip
        messages.success(request, _("%(pack)s sold: %(uses)s uses.") % {"pack": bought.pack.name, "uses": bought.uses})

    return _once_on_panel(request, member, step)


def _pack_purchase(request, pack_purchase_id: int) -> PackPurchase:
    return get_object_or_404(
        PackPurchase.objects.select_related("member", "pack"), pk=pack_purchase_id, shop=request.shop
    )


@require_POST
@counter_view
def pack_use_view(request, pack_purchase_id: int):
    bought = _pack_purchase(request, pack_purchase_id)

    def step() -> None:
        used = pack_use(purchase=bought, actor=state.actor(request))
        messages.success(
            request, _("One %(pack)s used: %(left)s left.") % {"pack": used.pack.name, "left": used.remaining}
        )

    return _once_on_panel(request, bought.member, step)


@require_POST
@counter_view
def allowance_use_view(request, member_id: int):
    member = _member(request, member_id)

    def step() -> None:
        membership = Membership.objects.select_related("plan", "shop").filter(member=member).first()
        if membership is None:
            raise DomainError(_("This member has no membership."))
        used = allowance_use(membership=membership, code=request.POST.get("code", ""), actor=state.actor(request))
        messages.success(
            request, _("%(name)s used: %(left)s left this month.") % {"name": used.name, "left": used.left}
        )

    return _once_on_panel(request, member, step)


@require_POST
@counter_view
def pack_refund_view(request, pack_purchase_id: int):
    """A manager refunds what is left of a pack (its unused uses' share)."""
    bought = _pack_purchase(request, pack_purchase_id)

    def step() -> None:
        if not Role.at_least(request.acting.role, Role.MANAGER):
            raise _refuse(request, bought.member, _("Only a manager can refund a pack."))
        done = pack_refund(purchase=bought, actor=state.actor(request))
        amount = format_money(done.refunded_amount, request.shop.currency)
        messages.success(
            request, _("%(pack)s refunded: hand back %(amount)s.") % {"pack": done.pack.name, "amount": amount}
        )

    return _once_on_panel(request, bought.member, step)
