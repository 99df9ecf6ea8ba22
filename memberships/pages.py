"""What memberships add to other pages (loyalty.hooks): the counter's member panel (the VIP badge, the plan and the
sale or renewal), the member's card page (plan, benefits, next renewal, what they can buy) and the portal's member
page (the membership and its payments). A shop without plans pays no query for any of them."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from loyalty import hooks
from loyalty.counter.idempotency import new_key
from loyalty.formats import display_locale
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.services.ledger import points_available

from .benefits import membership_of
from .forms import CancelForm, PackSellForm, SellForm
from .models import Checkout, CheckoutStatus, MembershipPlan, Pack, Status
from .selectors import savings_of
from .services.checkout import active_backend
from .services.credit import change_credit
from .services.packs import allowances_of, packs_of
from .services.plans import member_plans_summary, price_for


def _offers(member, membership, at, locale: str) -> list[dict]:
    """The plans the member can buy, renew or change to now, each with what is due from them (the quote of this
    moment: a change of plan counts the old plan's unused time as credit)."""
    plans = list(MembershipPlan.objects.filter(shop_id=member.shop_id, active=True))
    available = points_available(member.account, at) if plans else 0
    changing_from = membership if membership is not None and membership.status_at(at) == Status.ACTIVE else None
    credit = change_credit(changing_from, at)[0] if changing_from is not None and len(plans) > 1 else Decimal(0)
    currency = member.shop.currency
    offers = []
    for plan in plans:
        price = price_for(plan, member, available)
        renews = membership is not None and membership.plan_id == plan.pk
        changes = changing_from is not None and not renews
        due = max(price - credit, Decimal(0)) if changes else price
        offers.append(
            {
                "plan": plan,
                "price": due,
                "price_text": format_money(due, currency, locale),
                "credit_text": format_money(credit, currency, locale) if changes and credit else "",
                "form": SellForm(initial={"plan": plan.code, "price": due}),
                "renews": renews,
                "changes": changes,
                "trial": bool(plan.trial_days)
                and (membership is None or not membership.trial_used)
                and (membership is None or not membership.benefits_at(at)),
            }
        )
    return offers


def _summary(member, at) -> dict | None:
    if not member_plans_summary(member).enabled:
        return None
    membership = membership_of(member)
    status = membership.status_at(at) if membership else None
    return {
        "membership": membership,
        "membership_status": status,
        "membership_has_benefits": status in (Status.TRIAL, Status.ACTIVE, Status.GRACE),
        "membership_status_label": Status(status).label if status else "",
    }


def _packs_and_allowances(member, membership, at) -> dict:
    """The member's packs with uses left and this month's allowances of their plan."""
    return {
        "packs": packs_of(member, at),
        "allowances": allowances_of(membership, at) if membership is not None else [],
    }


def _pack_offers(member, locale: str) -> list[dict]:
    packs = list(Pack.objects.filter(shop_id=member.shop_id, active=True))
    currency = member.shop.currency
    return [
        {
            "pack": pack,
            "price_text": format_money(pack.price, currency, locale),
            "form": PackSellForm(initial={"pack": pack.code}),
        }
        for pack in packs
    ]


@hooks.page_section("counter.member", "memberships/partials/counter.html", order=20)
def counter_member(*, request, member, **_):
    at = timezone.now()
    context = _summary(member, at)
    if context is None:
        return None
    locale = str(display_locale())
    context |= _packs_and_allowances(member, context["membership"], at)
    context["pack_offers"] = _pack_offers(member, locale)
    context["offers"] = _offers(member, context["membership"], at, locale)
    acting = getattr(request, "acting", None)
    may_cancel = acting is not None and Role.at_least(acting.role, Role.MANAGER)
    context["cancel_form"] = CancelForm() if context["membership_has_benefits"] and may_cancel else None
    context["may_refund"] = may_cancel
    context["checkouts"] = list(
        Checkout.objects.filter(member_id=member.pk, status=CheckoutStatus.OPEN).select_related("plan")[:5]
    )
    for checkout in context["checkouts"]:
        checkout.amount_text = format_money(checkout.amount, member.shop.currency, str(display_locale()))
    return context


@hooks.page_section("member.card", "memberships/partials/card.html", order=20)
def member_card(*, request, member, **_):
    at = timezone.now()
    context = _summary(member, at)
    if context is None:
        return None
    context["offers"] = _offers(member, context["membership"], at, str(display_locale()))
    context |= _packs_and_allowances(member, context["membership"], at)
    if context["membership_has_benefits"]:
        context["savings"] = savings_text(savings_of(context["membership"], at), member.shop.currency)
    context["can_buy_online"] = active_backend(member.shop) is not None
    context["new_key"] = new_key
    return context


@hooks.page_section("portal.member", "memberships/partials/portal_member.html", order=20)
def portal_member(*, request, member, **_):
    at = timezone.now()
    context = _summary(member, at)
    if context is None or context["membership"] is None:
        return None
    locale = str(display_locale())
    currency = member.shop.currency
    payments = list(context["membership"].payments.select_related("plan")[:20])
    for payment in payments:
        payment.amount_text = format_money(payment.amount, currency, locale)
        payment.refunded_text = format_money(payment.refunded_amount, currency, locale)
    context["payments"] = payments
    return context


def savings_text(savings, currency: str) -> dict:
    """The savings meter's figures as people read them."""
    locale = str(display_locale())
    return {
        name: format_money(getattr(savings, name), currency, locale)
        for name in ("total", "discounts", "extra_points_value", "vouchers_value", "price")
    } | {"extra_points": savings.extra_points, "saved_more": savings.total >= savings.price > 0}
