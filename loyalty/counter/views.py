"""The counter screen (/counter/): a tablet beside the till. Staff sign in with a normal session; the tablet
keeps where it stands and who is acting (switched by PIN) in that session, and every action records both.

Pages are plain server-rendered forms that POST and redirect, so they work on any tablet, with or without
JavaScript; every state-changing POST goes through `once` (idempotency.py), so a double tap or a retry after a
network failure never acts twice. The services decide; a refusal becomes a clear, translated message."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from loyalty.errors import DomainError, DuplicatePurchase, MemberExists, NotFound, ValidationFailed
from loyalty.labels import entry_description
from loyalty.models import LedgerEntry, Member, Purchase, QuickItem, Role, StampCompletion, StampEntry
from loyalty.portal.decorators import staff_required
from loyalty.qr import qr_svg
from loyalty.selectors import entries_as_read, member_panel
from loyalty.services import counter as counter_services
from loyalty.services.ledger import points_available
from loyalty.services.members import (
    card_number_valid,
    member_enrol,
    member_lookup,
    phone_grouped,
    phone_normalise,
)
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from loyalty.services.tiers import tier_here
from rewards.errors import VoucherNotFound
from rewards.models import VOUCHER_ALPHABET, Voucher, normalise_voucher_code
from rewards.selectors import reward_names, vouchers_open_for
from rewards.services import reward_redeem, voucher_find, voucher_use

from . import state
from .errors import add_to_form, friendly
from .forms import AdjustForm, EnrolForm, LocationForm, PinSetForm, PurchaseForm, RefundForm, SwitchForm
from .idempotency import Refused, new_key, once
from .present import money, plain, qr_scanner_available, reward_value

HISTORY_ROWS = 50


def counter_view(view=None, *, needs_location: bool = True):
    """Cashier and up. Resolves the tablet's location and acting staff; a shop with several locations asks
    once where this counter stands. Pages are never kept in the browser's history: an old form would carry an
    old idempotency key."""

    def decorator(view):
        @wraps(view)
        def inner(request, *args, **kwargs):
            state.resolve(request)
            if request.counter_location is None:
                locations = list(request.shop.locations.all()[:2])
                if len(locations) == 1:
                    state.location_choose(request, locations[0])
                    request.counter_location = locations[0]
                elif locations and needs_location and request.method == "GET":
                    return redirect(f"{reverse('counter:location')}?{urlencode({'next': request.get_full_path()})}")
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "no-store"
            return response

        return staff_required(Role.CASHIER)(inner)

    return decorator(view) if view is not None else decorator


def page(request, template: str, context: dict | None = None, status: int = 200) -> TemplateResponse:
    acting = request.acting
    signed_in = acting.pk == request.membership.pk
    acting_user = request.user if signed_in else acting.user
    base = {
        "counter_location": request.counter_location,
        "acting_name": acting_user.get_full_name() or acting_user.email or acting_user.get_username(),
        "acting_is_signed_in": signed_in,
        "last_action": state.last_action(request),
        "new_key": new_key,  # a callable: each form rendered gets its own key
        "qr_scanner": qr_scanner_available(),
        "shop": request.shop,
    }
    return TemplateResponse(request, template, {**base, **(context or {})}, status=status)


def member_url(member_id) -> str:
    return reverse("counter:member", kwargs={"member_id": member_id})


def _member(request, member_id) -> Member:
    return get_object_or_404(
        Member.objects.select_related("account"), shop=request.shop, pk=member_id, merged_into__isnull=True
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


# ---------------------------------------------------------------- the start screen, scanning


@require_GET
@counter_view
def home(request):
    return page(request, "counter/home.html", {"program_missing": not hasattr(request.shop, "program")})


def looks_like_voucher(code: str) -> bool:
    return len(code) == 9 and code[4] == "-" and all(ch in VOUCHER_ALPHABET for ch in code.replace("-", ""))


@require_GET
@counter_view
def scan(request):
    """What the scan field sent (a scanner types and presses Enter): a voucher code, a member's QR payload,
    a card number or a phone number."""
    query = (request.GET.get("q") or "").strip()
    if not query:
        return redirect("counter:home")
    code = normalise_voucher_code(query)
    if looks_like_voucher(code):
        try:
            voucher = voucher_find(request.shop, code)
        except VoucherNotFound:
            pass
        else:
            return redirect("counter:voucher", voucher_code=voucher.code)
    try:
        member = member_lookup(request.shop, query)
    except NotFound:
        pass
    else:
        return redirect(member_url(member.pk))
    return _not_found(request, query)


def _not_found(request, query: str):
    enrol_url = reverse("counter:enrol")
    compact = query.replace(" ", "").replace("-", "")
    if ":" in query:
        messages.error(
            request,
            _(
                "This member code is not valid here: it is old or from another shop. "
                "Ask them to open their card again, or type their phone."
            ),
        )
        return redirect("counter:home")
    if card_number_valid(compact):
        messages.warning(request, _("No member has card %(card)s. Enrol a new member with it?") % {"card": compact})
        return redirect(f"{enrol_url}?{urlencode({'card': compact})}")
    try:
        phone = phone_normalise(query, request.shop.country)
    except ValidationFailed:
        phone = None
    if phone:
        messages.warning(request, _("No member has the phone %(phone)s. Enrol them?") % {"phone": phone_grouped(phone)})
        return redirect(f"{enrol_url}?{urlencode({'phone': phone})}")
    if looks_like_voucher(normalise_voucher_code(query)):
        messages.error(request, str(friendly(VoucherNotFound())))
    else:
        messages.error(
            request, _("Nothing found for “%(query)s”. Scan again, or type the phone number.") % {"query": query}
        )
    return redirect("counter:home")


# ---------------------------------------------------------------- the member


def member_context(request, member_id, *, purchase_form=None, adjust_form=None) -> dict:
    shop, now = request.shop, timezone.now()
    try:
        panel = member_panel(shop, member_id, now)
    except Member.DoesNotExist:
        raise Http404 from None
    member, account = panel.member, panel.member.account
    quick_items = list(QuickItem.objects.filter(shop=shop, active=True))
    if purchase_form is None:
        purchase_form = PurchaseForm(
            shop=shop,
            quick_items=quick_items,
            vouchers=panel.vouchers,
            points_available=panel.points.available,
            wallet_balance=account.wallet_balance,
        )
    currency = shop.currency
    return {
        "panel": panel,
        "member": member,
        "account": account,
        "phone": phone_grouped(member.phone),
        "tier": tier_here(member),
        "wallet": money(account.wallet_balance, currency) if account.wallet_balance else "",
        "stamps": [
            {**card, "marks": [index < card["count"] for index in range(card["required"])]} for card in panel.stamps
        ],
        "vouchers": [{"voucher": v, "value": reward_value(v.reward, currency)} for v in panel.vouchers],
        "rewards": [{"reward": r, "value": reward_value(r, currency)} for r in panel.rewards_within_reach],
        "purchase_form": purchase_form,
        "adjust_form": adjust_form or AdjustForm(),
        "points_name": account.program.points_name,
        "point_value": account.program.point_value,
    }


@require_GET
@counter_view
def member(request, member_id: int):
    return page(request, "counter/member.html", member_context(request, member_id))


def _member_page_again(request, member_id, status=422, **forms) -> Refused:
    return Refused(page(request, "counter/member.html", member_context(request, member_id, **forms), status=status))


@require_POST
@counter_view
def purchase(request, member_id: int):
    member = _member(request, member_id)
    shop = request.shop

    def action() -> str:
        now = timezone.now()
        vouchers = list(vouchers_open_for(member, now).select_related("reward"))
        form = PurchaseForm(
            request.POST,
            shop=shop,
            quick_items=QuickItem.objects.filter(shop=shop, active=True),
            vouchers=vouchers,
            points_available=points_available(member.account, now),
            wallet_balance=member.account.wallet_balance,
        )
        if not form.is_valid():
            raise _member_page_again(request, member_id, purchase_form=form)
        try:
            result = purchase_record(
                shop=shop,
                external_id=form.external_id,
                amount=form.paid,
                member=member,
                lines=form.lines,
                points_redeemed=form.points,
                wallet_redeemed=form.wallet,
                voucher_codes=form.cleaned_data["vouchers"],
                payment_method=form.cleaned_data["payment_method"],
                actor=state.actor(request),
                now=now,
            )
        except DuplicatePurchase as error:
            existing = Purchase.objects.filter(shop=shop, external_id=form.external_id).first()
            if existing is not None and existing.member_id == member.pk and existing.amount == form.paid:
                messages.info(request, _("This purchase was already recorded; here it is."))
                return reverse("counter:purchase_detail", kwargs={"purchase_id": existing.pk})
            add_to_form(form, error)
            raise _member_page_again(request, member_id, status=409, purchase_form=form) from None
        except DomainError as error:
            add_to_form(form, error)
            raise _member_page_again(request, member_id, status=409, purchase_form=form) from None
        bought = result.purchase
        state.result_keep(
            request,
            bought.pk,
            {
                "steps": list(result.explanation.steps) if result.explanation else [],
                "bill": str(form.bill),
                "discount": str(form.discount),
            },
        )
        state.last_action_set(
            request,
            "purchase",
            purchase_id=bought.pk,
            member_id=member.pk,
            label_args={"receipt": bought.external_id},
        )
        messages.success(
            request,
            ngettext(
                "Recorded %(amount)s for %(name)s: %(points)s point earned.",
                "Recorded %(amount)s for %(name)s: %(points)s points earned.",
                bought.points_earned,
            )
            % {
                "amount": money(bought.amount, shop.currency),
                "name": member.name or member.phone,
                "points": bought.points_earned,
            },
        )
        return reverse("counter:purchase_detail", kwargs={"purchase_id": bought.pk})

    return once(request, action, back=member_url(member.pk))


@require_POST
@counter_view
def redeem(request, member_id: int):
    member = _member(request, member_id)

    def action() -> str:
        try:
            voucher = reward_redeem(
                member=member, reward_code=request.POST.get("reward", ""), actor=state.actor(request)
            )
        except DomainError as error:
            messages.error(request, friendly(error))
            raise Refused(redirect(member_url(member.pk))) from None
        state.last_action_set(
            request,
            "redemption",
            code=voucher.code,
            member_id=member.pk,
            label_args={"reward": voucher.reward.name},
        )
        messages.success(
            request,
            ngettext(
                "%(reward)s for %(points)s point. Voucher %(code)s is ready to use.",
                "%(reward)s for %(points)s points. Voucher %(code)s is ready to use.",
                voucher.points_spent,
            )
            % {"reward": voucher.reward.name, "points": voucher.points_spent, "code": voucher.code},
        )
        return reverse("counter:voucher", kwargs={"voucher_code": voucher.code})

    return once(request, action, back=member_url(member.pk))


@require_POST
@counter_view
def adjust(request, member_id: int):
    """Cashiers never adjust points; a manager standing by approves an adjustment with their PIN, and it is
    recorded as theirs."""
    member = _member(request, member_id)

    def action() -> str:
        form = AdjustForm(request.POST)
        if not form.is_valid():
            raise _member_page_again(request, member_id, adjust_form=form)
        try:
            entry = counter_services.adjustment_approved_by_pin(
                shop=request.shop,
                member=member,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                pin=form.cleaned_data["pin"],
                location=request.counter_location,
            )
        except DomainError as error:
            add_to_form(form, error)
            raise _member_page_again(
                request, member_id, status=403 if error.status == 403 else 409, adjust_form=form
            ) from None
        state.last_action_set(
            request,
            "adjustment",
            entry_id=entry.pk,
            member_id=member.pk,
            label_args={"points": entry.points},
        )
        messages.success(
            request,
            ngettext(
                "%(points)s point adjusted, approved by %(manager)s.",
                "%(points)s points adjusted, approved by %(manager)s.",
                abs(entry.points),
            )
            % {"points": entry.points, "manager": entry.staff.get_full_name() or entry.staff.email},
        )
        return member_url(member.pk)

    return once(request, action, back=member_url(member.pk))


@require_GET
@counter_view
def history(request, member_id: int):
    """ "Where are my points?": the member's purchases, points entries and vouchers, newest first."""
    member = get_object_or_404(Member.objects.select_related("account"), shop=request.shop, pk=member_id)
    currency = request.shop.currency
    purchases = list(Purchase.objects.filter(shop=request.shop, member=member)[:HISTORY_ROWS])
    for bought in purchases:
        bought.amount_text = money(bought.amount, currency)
    entries = list(
        entries_as_read(LedgerEntry.objects.filter(account_id=member.account_id)).order_by("-occurred_at", "-id")[
            :HISTORY_ROWS
        ]
    )
    names = reward_names(request.shop)
    for entry in entries:
        entry.description = entry_description(entry, names)
    vouchers = list(Voucher.objects.filter(account_id=member.account_id).select_related("reward")[:HISTORY_ROWS])
    return page(
        request,
        "counter/history.html",
        {
            "member": member,
            "phone": phone_grouped(member.phone),
            "purchases": purchases,
            "entries": entries,
            "vouchers": vouchers,
            "rows": HISTORY_ROWS,
            "now": timezone.now(),
        },
    )


# ---------------------------------------------------------------- purchases and refunds


def purchase_context(request, bought: Purchase, refund_form=None) -> dict:
    currency = request.shop.currency
    result = state.result_of(request, bought.pk)
    remaining = bought.amount - bought.refunded_amount
    if refund_form is None:
        refund_form = RefundForm(currency=currency, initial={"amount": plain(remaining)})
    if result:
        result = {
            **result,
            "bill_text": money(result["bill"], currency),
            "discount_text": money(result["discount"], currency) if result["discount"] != "0" else "",
        }
    return {
        "purchase": bought,
        "result": result,
        "amount": money(bought.amount, currency),
        "refunded": money(bought.refunded_amount, currency) if bought.refunded_amount else "",
        "from_wallet": money(bought.wallet_redeemed, currency) if bought.wallet_redeemed else "",
        "remaining": remaining,
        "remaining_text": money(remaining, currency),
        "stamps": StampEntry.objects.filter(purchase=bought, refund__isnull=True).select_related("card"),
        "issued": [
            c.voucher
            for c in StampCompletion.objects.filter(purchase=bought, voucher__isnull=False).select_related(
                "voucher__reward"
            )
        ],
        "used": bought.vouchers_used.select_related("reward"),
        "refunds": [{"refund": r, "amount": money(r.amount, currency)} for r in bought.refunds.order_by("id")],
        "refund_form": refund_form,
    }


def _purchase(request, purchase_id) -> Purchase:
    return get_object_or_404(
        Purchase.objects.select_related("member", "location").prefetch_related(Prefetch("refunds")),
        shop=request.shop,
        pk=purchase_id,
    )


@require_GET
@counter_view
def purchase_detail(request, purchase_id: int):
    return page(request, "counter/purchase.html", purchase_context(request, _purchase(request, purchase_id)))


@require_GET
@counter_view
def receipt_find(request):
    """An older purchase by its receipt number, to refund it."""
    receipt = (request.GET.get("receipt") or "").strip()
    if not receipt:
        return redirect("counter:home")
    found = Purchase.objects.filter(shop=request.shop, external_id__iexact=receipt).only("pk").first()
    if found is None:
        messages.error(request, _("No purchase has the receipt number “%(receipt)s”.") % {"receipt": receipt})
        return redirect("counter:home")
    return redirect("counter:purchase_detail", purchase_id=found.pk)


@require_POST
@counter_view
def refund(request, purchase_id: int):
    bought = _purchase(request, purchase_id)
    currency = request.shop.currency
    here = reverse("counter:purchase_detail", kwargs={"purchase_id": bought.pk})

    def again(form, status):
        return Refused(page(request, "counter/purchase.html", purchase_context(request, bought, form), status=status))

    def action() -> str:
        form = RefundForm(request.POST, currency=currency)
        if not form.is_valid():
            raise again(form, 422)
        try:
            result = purchase_refund(
                shop=request.shop,
                purchase_id=bought.pk,
                amount=form.cleaned_data["amount"],
                external_id=form.cleaned_data["refund_number"],
                actor=state.actor(request),
            )
        except DomainError as error:
            add_to_form(form, error)
            raise again(form, 409) from None
        messages.success(
            request,
            ngettext(
                "Refunded %(amount)s; %(points)s point taken back.",
                "Refunded %(amount)s; %(points)s points taken back.",
                result.points_reversed,
            )
            % {"amount": money(result.refund.amount, currency), "points": result.points_reversed},
        )
        return here

    return once(request, action, back=here)


# ---------------------------------------------------------------- vouchers


def _voucher(request, voucher_code) -> Voucher:
    try:
        return voucher_find(request.shop, voucher_code)
    except VoucherNotFound:
        raise Http404 from None


@require_GET
@counter_view
def voucher(request, voucher_code: str):
    found = _voucher(request, voucher_code)
    open_ = found.status == "issued" and found.expires_at > timezone.now()
    return page(
        request,
        "counter/voucher.html",
        {
            "voucher": found,
            "value": reward_value(found.reward, request.shop.currency),
            "usable": open_,
            "expired": found.status == "issued" and not open_,
        },
    )


@require_GET
@counter_view
def voucher_qr(request, voucher_code: str):
    """The voucher's code as a QR image, for the customer's phone to photograph or another counter to scan."""
    return HttpResponse(qr_svg(_voucher(request, voucher_code).code), content_type="image/svg+xml")


@require_POST
@counter_view
def voucher_use_view(request, voucher_code: str):
    found = _voucher(request, voucher_code)
    here = reverse("counter:voucher", kwargs={"voucher_code": found.code})

    def action() -> str:
        try:
            used = voucher_use(shop=request.shop, code=found.code)
        except DomainError as error:
            messages.error(request, friendly(error))
            raise Refused(redirect(here)) from None
        state.last_action_set(
            request,
            "voucher_use",
            code=used.code,
            member_id=used.member_id,
            label_args={"code": used.code},
        )
        messages.success(
            request, _("Voucher %(code)s used: %(reward)s.") % {"code": used.code, "reward": used.reward.name}
        )
        return here

    return once(request, action, back=here)


# ---------------------------------------------------------------- undo


@require_POST
@counter_view
def undo(request):
    """Undo this tablet's last action within five minutes, always by reversing it (never by deleting)."""
    shop = request.shop
    last = state.last_action(request, allow_expired=True)
    back = member_url(last["member_id"]) if last and last.get("member_id") else reverse("counter:home")

    def action() -> str:
        if last is None:
            messages.error(request, _("There is nothing to undo."))
            raise Refused(redirect(back))
        actor, kind = state.actor(request), last["kind"]
        try:
            if last["expired"]:
                raise counter_services.UndoWindowPassed()
            if kind == "purchase":
                counter_services.undo_purchase(shop=shop, purchase_id=last["purchase_id"], actor=actor)
            elif kind == "redemption":
                counter_services.undo_redemption(shop=shop, code=last["code"], actor=actor)
            elif kind == "voucher_use":
                counter_services.undo_voucher_use(shop=shop, code=last["code"])
            else:
                counter_services.undo_adjustment(shop=shop, entry_id=last["entry_id"], actor=actor)
        except DomainError as error:
            state.last_action_clear(request)
            messages.error(request, friendly(error))
            raise Refused(redirect(back)) from None
        state.last_action_clear(request)
        messages.success(request, _("Undone: %(action)s.") % {"action": last["label"]})
        return back

    return once(request, action, back=back)


# ---------------------------------------------------------------- enrolment


@counter_view
def enrol(request):
    """A new member in one step: phone and name, a referral code if a friend sent them, a pre-printed card if
    they take one, and their consent read back to them."""
    shop = request.shop
    consent = consent_sentence(shop)
    if request.method != "POST":
        initial = {"phone": request.GET.get("phone", ""), "card_number": request.GET.get("card", "")}
        return page(
            request,
            "counter/enrol.html",
            {
                "form": EnrolForm(initial=initial),
                "consent": consent,
                "phone_check": phone_check_context(shop, initial["phone"]),
            },
        )
    form = EnrolForm(request.POST)

    def again(status):
        return Refused(
            page(
                request,
                "counter/enrol.html",
                {"form": form, "consent": consent, "phone_check": phone_check_context(shop, request.POST.get("phone"))},
                status=status,
            )
        )

    def action() -> str:
        if not form.is_valid():
            raise again(422)
        data = form.cleaned_data
        try:
            member = member_enrol(
                shop=shop,
                phone=data["phone"],
                name=data["name"],
                referral_code=data["referral_code"],
                partner_code=data["partner_code"],
                card_number=data["card_number"],
                marketing_consent=data["marketing_consent"],
                consent_source="counter" if data["marketing_consent"] else "",
                channel="counter",
                actor=state.actor(request),
            )
        except MemberExists as error:
            existing = error.fields.get("member")
            if existing:
                messages.info(
                    request,
                    _("%(phone)s is already a member; here they are.")
                    % {"phone": phone_grouped(phone_normalise(data["phone"], shop.country))},
                )
                return member_url(existing)
            add_to_form(form, error)
            raise again(409) from None
        except DomainError as error:
            add_to_form(form, error)
            raise again(409 if error.status == 409 else 422) from None
        messages.success(
            request,
            _("Welcome, %(name)s! Check the phone with them: %(phone)s.")
            % {"name": member.name or _("new member"), "phone": phone_grouped(member.phone)},
        )
        if member.marketing_consent:
            messages.info(request, _("Consent recorded, as read to them: “%(sentence)s”") % {"sentence": consent})
        return member_url(member.pk)

    return once(request, action, back=reverse("counter:enrol"))


def consent_sentence(shop) -> str:
    return _("I agree that %(shop)s may send me offers and news. I can stop them at any time.") % {"shop": shop.name}


def phone_check_context(shop, raw: str | None) -> dict:
    raw = (raw or "").strip()
    if not raw:
        return {"raw": ""}
    try:
        return {"raw": raw, "grouped": phone_grouped(phone_normalise(raw, shop.country))}
    except ValidationFailed:
        return {"raw": raw, "invalid": True}


@require_GET
@counter_view
def phone_check(request):
    """The typed phone read back in groups while it is typed (an HTMX fragment), so a typo is caught."""
    context = {"phone_check": phone_check_context(request.shop, request.GET.get("phone"))}
    return page(request, "counter/enrol.html#phone-check", context)


# ---------------------------------------------------------------- staff and location


@counter_view
def staff(request):
    """Switch who is acting on a shared tablet by PIN, and set your own PIN."""
    return page(
        request,
        "counter/staff.html",
        {"switch_form": SwitchForm(), "pin_form": PinSetForm(), "next": _safe_next(request, "")},
    )


@require_POST
@counter_view
def staff_switch(request):
    home_url = _safe_next(request, reverse("counter:home"))
    if request.POST.get("back"):
        state.acting_choose(request, None)
        messages.success(
            request,
            _("%(name)s is at the counter again.") % {"name": request.user.get_full_name() or request.user.email},
        )
        return redirect(home_url)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Type your PIN."))
        return redirect("counter:staff")
    try:
        membership = counter_services.staff_by_pin(shop=request.shop, pin=form.cleaned_data["pin"])
    except DomainError as error:
        messages.error(request, friendly(error))
        return redirect("counter:staff")
    state.acting_choose(request, membership)
    messages.success(
        request,
        _("%(name)s is at the counter now.") % {"name": membership.user.get_full_name() or membership.user.email},
    )
    return redirect(home_url)


@require_POST
@counter_view
def pin_set(request):
    """The acting person sets their own PIN (the one signed in, or the one who switched in by PIN)."""
    form = PinSetForm(request.POST)

    def action() -> str:
        if not form.is_valid():
            raise Refused(
                page(request, "counter/staff.html", {"switch_form": SwitchForm(), "pin_form": form}, status=422)
            )
        try:
            counter_services.staff_pin_set(membership=request.acting, pin=form.cleaned_data["pin"])
        except DomainError as error:
            add_to_form(form, error)
            raise Refused(
                page(request, "counter/staff.html", {"switch_form": SwitchForm(), "pin_form": form}, status=422)
            ) from None
        messages.success(request, _("Your PIN is set. Use it to switch to yourself on a shared tablet."))
        return reverse("counter:home")

    return once(request, action, back=reverse("counter:staff"))


@counter_view(needs_location=False)
def location(request):
    """Where this tablet stands, chosen once and kept in the session."""
    form = LocationForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        state.location_choose(request, form.cleaned_data["location"])
        messages.success(
            request, _("This counter is at %(location)s.") % {"location": form.cleaned_data["location"].name}
        )
        return redirect(_safe_next(request, reverse("counter:home")))
    if request.counter_location is not None and not form.is_bound:
        form.initial["location"] = request.counter_location.pk
    return page(request, "counter/location.html", {"form": form, "next": _safe_next(request, "")})
