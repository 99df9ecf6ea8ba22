"""Members: the searchable list (and its CSV), a member's page with points, stamps, wallet, vouchers, purchases
and ledger, a manager's points adjustment and the marketing consent switch."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from loyalty.errors import DomainError, InsufficientPoints, MemberExists
from loyalty.formats import display_locale
from loyalty.models import ConsentSource, Member, Role
from loyalty.money import format_money
from loyalty.selectors import points_summary, program_of_member, stamp_cards_of
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.members import member_enrol, member_update, phone_grouped
from loyalty.services.tiers import tier_here
from rewards.selectors import reward_names, vouchers_open_for

from ..bulk_forms import SelectionForm
from ..decorators import staff_required
from ..filters import MemberFilter
from ..forms import (
    CardAttachForm,
    ConsentForm,
    MemberAddForm,
    MemberDetailsForm,
    PointsAdjustForm,
    add_domain_error,
)
from ..models import MemberTag
from ..queries import ledger_of, member_of, members_of, purchases_of
from ..tables import LedgerTable, MemberTable, PurchaseTable, bounded_pages, csv_response, csv_url, wants_csv

MEMBERS_PER_PAGE = 25
PURCHASES_PER_PAGE = 10
LEDGER_PER_PAGE = 20


@staff_required()
def member_list(request):
    """With HTMX (the search box as it is typed in) only the results are sent back. Managers tick rows (or every
    member matching the filter) for a bulk action."""
    shop = request.shop
    filterset = MemberFilter(request.GET or None, queryset=members_of(shop), shop=shop)
    selectable = Role.at_least(request.membership.role, Role.MANAGER)
    table = MemberTable(filterset.qs, selectable=selectable)
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{shop.slug}-members")
    RequestConfig(request, paginate=bounded_pages(MEMBERS_PER_PAGE)).configure(table)
    template = "portal/members.html#results" if request.htmx else "portal/members.html"
    return TemplateResponse(
        request,
        template,
        {
            "filter": filterset,
            "app_filters": [filterset.form[key] for key in filterset.app_filters],
            "table": table,
            "has_tiers": shop.program.has_tiers,
            "csv_url": csv_url(request),
            "selectable": selectable,
            "bulk_actions": SelectionForm().fields["action"].choices,
            "filter_query": filter_query(request),
        },
    )


def filter_query(request) -> str:
    """The page's filters without its page, ordering or export: what "every member matching the filter" means."""
    query = request.GET.copy()
    for name in ("page", "sort", "export"):
        query.pop(name, None)
    return query.urlencode()


def member_or_404(shop, member_id: int, *, current: bool = False) -> Member:
    """The shop's member; with `current`, one not merged into another nor erased (those change no more)."""
    try:
        member = member_of(shop, member_id)
    except Member.DoesNotExist:
        raise Http404 from None
    if current and (member.merged_into_id or member.erased_at):
        raise Http404
    return member


def member_context(
    request, member: Member, *, adjust_form: PointsAdjustForm | None = None, card_form: CardAttachForm | None = None
) -> dict:
    """Everything the member's page shows, in a fixed number of queries however long their history is."""
    shop, account, now = request.shop, member.account, timezone.now()
    locale = str(display_locale())
    purchases = PurchaseTable(purchases_of(shop, member), currency=shop.currency, locale=locale, prefix="purchases-")
    RequestConfig(request, paginate={"per_page": PURCHASES_PER_PAGE}).configure(purchases)
    ledger = LedgerTable(ledger_of(shop, member), reward_names=reward_names(shop), prefix="ledger-")
    RequestConfig(request, paginate={"per_page": LEDGER_PER_PAGE}).configure(ledger)
    cards = list(member.cards.all())  # newest first; the current card is the newest one not blocked
    return {
        "member": member,
        "phone": phone_grouped(member.phone),
        "card_number": next((card.number for card in cards if card.blocked_at is None), None),
        "cards": cards,
        "card_form": card_form or CardAttachForm(),
        "points": points_summary(account, now),
        "points_name": account.program.points_name,
        "tier": tier_here(member),
        "stamps": stamp_cards_of(account, program_of_member(member)),
        "wallet": format_money(account.wallet_balance, shop.currency, locale),
        "vouchers": list(vouchers_open_for(member, now).select_related("reward")),
        "purchases": purchases,
        "ledger": ledger,
        "can_adjust": Role.at_least(request.membership.role, Role.MANAGER)
        and not (member.merged_into_id or member.erased_at),
        "consent_history": list(member.consent_changes.select_related("by")),
        "detail_changes": list(member.changes.select_related("by")[:20]),
        "can_export": Role.at_least(request.membership.role, Role.MANAGER),
        "can_erase": request.membership.role == Role.OWNER and not (member.merged_into_id or member.erased_at),
        "adjust_form": adjust_form or PointsAdjustForm(),
        "tags": list(MemberTag.objects.filter(member=member).select_related("tag").order_by("tag__name")),
    }


@staff_required()
def member_detail(request, member_id: int):
    member = member_or_404(request.shop, member_id)
    return TemplateResponse(request, "portal/member.html", member_context(request, member))


@require_POST
@staff_required(role=Role.MANAGER)
def member_adjust(request, member_id: int):
    """A manager adds or takes away points with a reason; the ledger records who did it."""
    member = member_or_404(request.shop, member_id, current=True)
    form = PointsAdjustForm(request.POST)
    if form.is_valid():
        points = form.cleaned_data["points"]
        try:
            points_adjust(
                account_id=member.account_id,
                actor=Actor(shop=request.shop, staff=request.user),
                points=points,
                reason=form.cleaned_data["reason"],
                at=timezone.now(),
            )
        except InsufficientPoints:
            form.add_error("points", _("The member does not have that many points available to take away."))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            text = (
                ngettext("%(n)s point added.", "%(n)s points added.", points)
                if points > 0
                else ngettext("%(n)s point taken away.", "%(n)s points taken away.", -points)
            )
            messages.success(request, text % {"n": abs(points)})
            if not request.htmx:
                return redirect("portal:member", member_id=member.pk)
            member.account.refresh_from_db()
            form = None
    template = "portal/member.html#account" if request.htmx else "portal/member.html"
    return TemplateResponse(request, template, member_context(request, member, adjust_form=form))


@require_POST
@staff_required()
def member_consent(request, member_id: int):
    """Records the customer's yes or no to marketing messages, with its time and source (the portal)."""
    member = member_or_404(request.shop, member_id, current=True)
    form = ConsentForm(request.POST)
    consent = form.is_valid() and form.cleaned_data["marketing_consent"]
    member_update(member=member, marketing_consent=consent, consent_source="portal", by=request.user)
    messages.success(request, _("Marketing consent recorded.") if consent else _("Marketing consent withdrawn."))
    if request.htmx:
        return TemplateResponse(request, "portal/member.html#consent", {"member": member})
    return redirect("portal:member", member_id=member.pk)


@require_POST
@staff_required(role=Role.MANAGER)
def member_tag_remove(request, member_id: int, tag_id: int):
    """Takes a tag off the member (the tag stays the shop's, on its other members)."""
    member = member_or_404(request.shop, member_id)
    MemberTag.objects.filter(member=member, tag_id=tag_id, tag__shop=request.shop).delete()
    messages.success(request, _("The tag was taken off."))
    return redirect("portal:member", member_id=member.pk)


@staff_required()
def member_add(request):
    """A member added by the shop (a customer who asked at the counter, an old paper card)."""
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = member_enrol(
                shop=request.shop,
                phone=data["phone"],
                name=data["name"],
                email=data["email"],
                birthday=data["birthday"],
                card_number=data["card_number"],
                marketing_consent=data["marketing_consent"],
                consent_source=ConsentSource.PORTAL if data["marketing_consent"] else "",
                channel="portal",
                actor=Actor(shop=request.shop, staff=request.user),
            )
        except MemberExists as error:
            existing = error.fields.get("member")
            if existing:
                messages.info(request, _("This phone is already a member; here they are."))
                return redirect("portal:member", member_id=existing)
            add_domain_error(form, error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s is a member now.") % {"name": member.name or member.phone})
            return redirect("portal:member", member_id=member.pk)
    return TemplateResponse(request, "portal/member_form.html", {"form": form, "member": None}, status=_status(form))


@staff_required(role=Role.MANAGER)
def member_details(request, member_id: int):
    """A manager corrects a member's name, phone, email or birthday; the change is kept in the member's history."""
    member = member_or_404(request.shop, member_id, current=True)
    initial = {"name": member.name, "phone": member.phone, "email": member.email, "birthday": member.birthday}
    form = MemberDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member_update(member=member, by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The member's details are saved."))
            return redirect("portal:member", member_id=member.pk)
    return TemplateResponse(request, "portal/member_form.html", {"form": form, "member": member}, status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200
