"""The member's own pages: every shop they belong to, and at each shop the QR card, points, tier, stamps,
vouchers, rewards to redeem, history and referral link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from loyalty.counter.idempotency import Refused, new_key, once
from loyalty.counter.present import money, reward_value
from loyalty.errors import DomainError
from loyalty.member_site.access import members_of_user
from loyalty.member_site.cards import history_of, shop_page
from loyalty.member_site.decorators import member_view
from loyalty.qr import qr_svg
from loyalty.selectors import points_summary
from loyalty.services.ledger import Actor
from loyalty.services.members import member_card_number, qr_payload
from loyalty.services.tiers import tier_here
from rewards.models import RewardKind, Voucher, VoucherStatus, normalise_voucher_code
from rewards.selectors import reward_names
from rewards.services import reward_redeem

QR_REFRESH_SECONDS = 30
HISTORY_PAGE_SIZE = 25

# The services' refusals as a member reads them.
REDEEM_REFUSALS = {
    "insufficient_points": gettext_lazy("You do not have enough points for this reward yet."),
    "out_of_stock": gettext_lazy("Sorry, this reward has run out."),
    "limit_reached": gettext_lazy("You already have this reward as often as it allows."),
    "not_eligible": gettext_lazy("This reward is not open to you right now."),
    "reward_not_found": gettext_lazy("This reward is no longer in the catalogue."),
}
GIVEN_ONLY = gettext_lazy("This reward is only given, never redeemed.")


def redeem_refusal(error: DomainError) -> str:
    if error.fields.get("reason") == "given_only":
        return str(GIVEN_ONLY)
    return str(REDEEM_REFUSALS.get(error.code, _("This reward cannot be redeemed right now.")))


def redeemed_message(voucher, currency: str) -> str:
    """What to do next: a wallet credit is already paid in; any other reward is had at the counter."""
    if voucher.reward.kind == RewardKind.WALLET_CREDIT:
        amount = money(voucher.reward.value, currency)
        return _("Done! %(amount)s is in your wallet, to spend on your next visit.") % {"amount": amount}
    return _("Done! Show this voucher at the counter.")


def inline_svg(svg: bytes) -> str:
    """An SVG image to put straight into the page (so the card shows with no further request)."""
    text = svg.decode()
    return mark_safe(text[text.index("<svg") :])  # noqa: S308 - our own qrcode output, no user markup


@login_required(login_url="member:sign_in_phone")
def home(request):
    """Every shop the signed-in customer is a member of, each opening its card."""
    now = timezone.now()
    cards = [
        {
            "member": member,
            "shop": member.shop,
            "card_number": member_card_number(member),
            "points": points_summary(member.account, now),
            "tier": tier_here(member),
        }
        for member in members_of_user(request.user)
    ]
    return TemplateResponse(request, "member/home.html", {"cards": cards})


@member_view
def shop(request, member):
    """The card (a QR refreshed every QR_REFRESH_SECONDS, the card number's QR offline) and everything about
    points. Each reward's Redeem form has its own idempotency key: redeeming one, going back and redeeming another
    is two redemptions, a double tap on one is one."""
    now = timezone.now()
    page = shop_page(member, now)
    for reward in page.rewards:
        reward.idempotency_key = new_key()
    return TemplateResponse(
        request,
        "member/shop.html",
        {
            "page": page,
            "qr_live": inline_svg(qr_svg(qr_payload(member))),
            "qr_issued_at": int(now.timestamp()),
            "qr_refresh_seconds": QR_REFRESH_SECONDS,
            "qr_valid_seconds": settings.QR_PAYLOAD_MAX_AGE,
            "qr_offline": inline_svg(qr_svg(page.card_number)) if page.card_number else None,
        },
    )


@require_GET
@never_cache
@member_view
def qr_image_svg(request, member):
    """A fresh signed payload as SVG, never cached: the page fetches one every QR_REFRESH_SECONDS."""
    return HttpResponse(qr_svg(qr_payload(member)), content_type="image/svg+xml")


@require_POST
@member_view
def redeem(request, member):
    """Spend points on a reward (the rewards service decides), then show its voucher. A double tap redeems once."""
    back = reverse("member:shop", kwargs={"slug": member.shop.slug})

    def action() -> str:
        try:
            voucher = reward_redeem(
                member=member, reward_code=request.POST.get("reward", ""), actor=Actor(shop=member.shop)
            )
        except DomainError as error:
            messages.error(request, redeem_refusal(error))
            raise Refused(redirect(back)) from None
        messages.success(request, redeemed_message(voucher, member.shop.currency))
        return reverse("member:voucher", kwargs={"slug": member.shop.slug, "voucher_code": voucher.code})

    return once(request, action, back=back)


@member_view
def voucher(request, member, voucher_code: str):
    """One of the member's vouchers: its code big and, while it can be used, its QR for the counter to scan."""
    found = (
        Voucher.objects.select_related("reward")
        .filter(shop=member.shop, account_id=member.account_id, code=normalise_voucher_code(voucher_code))
        .first()
    )
    if found is None:
        raise Http404("not this member's voucher")
    usable = found.status == VoucherStatus.ISSUED and found.expires_at > timezone.now()
    return TemplateResponse(
        request,
        "member/voucher.html",
        {
            "member": member,
            "voucher": found,
            "usable": usable,
            "expired": found.status == VoucherStatus.EXPIRED or (found.status == VoucherStatus.ISSUED and not usable),
            "value": reward_value(found.reward, member.shop.currency),
            "qr": inline_svg(qr_svg(found.code)) if usable else None,
        },
    )


@member_view
def history(request, member):
    """Every ledger entry, newest first, a page at a time."""
    entries = Paginator(history_of(member), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "member/history.html",
        {
            "member": member,
            "entries": entries,
            "points_name": member.account.program.points_name,
            "reward_names": reward_names(member.shop),
        },
    )
