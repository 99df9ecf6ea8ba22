"""The rewards catalogue in the portal (managers and owners): a list with inline edit, reorder, activate and
deactivate, redemption counts and the impact counter; and the counter's quick buttons. With HTMX a change
answers the list's fragment; a plain form is redirected (POST-redirect-GET)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from loyalty.counter.present import plain
from loyalty.errors import ValidationFailed
from loyalty.models import QuickItem, Role
from loyalty.portal.decorators import staff_required
from loyalty.portal.tables import csv_response, wants_csv
from loyalty.services import quick_items as quick_item_services

from . import services
from .forms import QuickItemForm, RewardForm, add_domain_error
from .models import Reward, RewardKind
from .selectors import catalogue_with_redemptions, impact_count
from .tables import QuickItemTable, RewardTable

# ---------------------------------------------------------------- the catalogue


def catalogue_context(request, form: RewardForm | None = None) -> dict:
    shop = request.shop
    # A query with aggregates drops Meta.ordering, so the catalogue's order is named here.
    rewards = list(catalogue_with_redemptions(shop).order_by("position", "points", "code"))
    donations = [reward for reward in rewards if reward.kind == RewardKind.DONATION]
    return {
        "table": RewardTable(rewards, currency=shop.currency),
        "donations": donations,
        "impact": impact_count(shop) if donations else 0,
        "form": form or RewardForm(shop=shop),
        "reward_count": len(rewards),
    }


def catalogue_page(request, form: RewardForm | None = None, status: int = 200):
    """HTMX gets the catalogue fragment (always 200: HTMX swaps only 2xx answers); a plain request after a
    change is redirected, one with form errors gets the page again."""
    if request.htmx:
        return TemplateResponse(request, "rewards/catalogue.html#catalogue", catalogue_context(request, form))
    if form is not None:
        return TemplateResponse(request, "rewards/catalogue.html", catalogue_context(request, form), status=status)
    return redirect("portal:rewards")


@staff_required(role=Role.MANAGER)
def catalogue(request):
    context = catalogue_context(request)
    if wants_csv(request):
        return csv_response(context["table"], f"{request.shop.slug}-rewards")
    template = "rewards/catalogue.html#catalogue" if request.htmx else "rewards/catalogue.html"
    return TemplateResponse(request, template, context)


@require_POST
@staff_required(role=Role.MANAGER)
def reward_new(request):
    form = RewardForm(request.POST, request.FILES, shop=request.shop)
    if form.is_valid():
        try:
            reward = services.reward_save(
                shop=request.shop,
                code=form.cleaned_data.get("code") or "",
                photo=form.cleaned_data.get("photo"),
                **form.service_fields(),
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(reward)s was added to the catalogue.") % {"reward": reward.name})
            return catalogue_page(request)
    return catalogue_page(request, form, status=422)


def _reward_initial(reward: Reward) -> dict:
    initial = {name: getattr(reward, name) for name in services.REWARD_FIELDS}
    initial["value"] = plain(reward.value)
    initial["max_discount"] = plain(reward.max_discount)
    initial["photo"] = reward.photo
    return initial


@staff_required(role=Role.MANAGER)
def reward_edit(request, reward_id: int):
    """Edits a reward in place in the list with HTMX (the row becomes its form), or on a page of its own."""
    reward = get_object_or_404(Reward, pk=reward_id, shop=request.shop)
    form = RewardForm(
        request.POST or None,
        request.FILES or None,
        shop=request.shop,
        reward=reward,
        initial=_reward_initial(reward),
        auto_id=f"reward-{reward.pk}-%s",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_save(
                shop=request.shop, reward=reward, photo=form.cleaned_data.get("photo"), **form.service_fields()
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(reward)s was saved.") % {"reward": form.cleaned_data["name"]})
            return catalogue_page(request)
    context = {"reward": reward, "form": form, "columns": len(RewardTable.base_columns) - 1}
    status = 422 if form.is_bound else 200
    if request.htmx:  # HTMX swaps only 2xx answers
        response = TemplateResponse(request, "rewards/reward_edit.html#form", context)
        if form.is_bound:  # the errors replace the row's form, not the whole list
            response = reswap(retarget(response, f"#reward-{reward.pk}"), "outerHTML")
        return response
    return TemplateResponse(request, "rewards/reward_edit.html", context, status=status)


@require_POST
@staff_required(role=Role.MANAGER)
def reward_move(request, reward_id: int):
    reward = get_object_or_404(Reward, pk=reward_id, shop=request.shop)
    step = -1 if request.POST.get("direction") == "up" else 1
    services.reward_move(shop=request.shop, reward=reward, step=step)
    return catalogue_page(request)


@require_POST
@staff_required(role=Role.MANAGER)
def reward_active(request, reward_id: int):
    reward = get_object_or_404(Reward, pk=reward_id, shop=request.shop)
    active = request.POST.get("active") == "1"
    services.reward_set_active(reward=reward, active=active)
    if active:
        messages.success(request, _("%(reward)s can be redeemed again.") % {"reward": reward.name})
    else:
        messages.success(
            request,
            _("%(reward)s is hidden: nobody can redeem it now; vouchers already issued stay valid.")
            % {"reward": reward.name},
        )
    return catalogue_page(request)


# ---------------------------------------------------------------- the counter's quick buttons


def quick_items_context(request, form: QuickItemForm | None = None) -> dict:
    items = QuickItem.objects.filter(shop=request.shop)
    return {"table": QuickItemTable(items, currency=request.shop.currency), "form": form or QuickItemForm()}


def quick_items_page(request, form: QuickItemForm | None = None, status: int = 200):
    if request.htmx:
        return TemplateResponse(request, "rewards/quick_items.html#quick-items", quick_items_context(request, form))
    if form is not None:
        return TemplateResponse(request, "rewards/quick_items.html", quick_items_context(request, form), status=status)
    return redirect("portal:quick_items")


@staff_required(role=Role.MANAGER)
def quick_items(request):
    """The buttons the counter shows to add items (a coffee, a wash) to a purchase; a POST adds one."""
    if request.method == "POST":
        form = QuickItemForm(request.POST)
        if form.is_valid():
            try:
                item = quick_item_services.quick_item_save(shop=request.shop, **form.cleaned_data)
            except ValidationFailed as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The button %(label)s was added.") % {"label": item.label})
                return quick_items_page(request)
        return quick_items_page(request, form, status=422)
    context = quick_items_context(request)
    if wants_csv(request):
        return csv_response(context["table"], f"{request.shop.slug}-quick-items")
    template = "rewards/quick_items.html#quick-items" if request.htmx else "rewards/quick_items.html"
    return TemplateResponse(request, template, context)


@staff_required(role=Role.MANAGER)
def quick_item_edit(request, quick_item_id: int):
    item = get_object_or_404(QuickItem, pk=quick_item_id, shop=request.shop)
    initial = {
        "label": item.label,
        "amount": plain(item.amount),
        "sku": item.sku,
        "category": item.category,
        "active": item.active,
    }
    form = QuickItemForm(request.POST or None, initial=initial, auto_id=f"quick-item-{item.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            quick_item_services.quick_item_save(shop=request.shop, item=item, **form.cleaned_data)
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The button %(label)s was saved.") % {"label": form.cleaned_data["label"]})
            return quick_items_page(request)
    context = {"item": item, "form": form}
    status = 422 if form.is_bound else 200
    if request.htmx:
        response = TemplateResponse(request, "rewards/quick_item_edit.html#form", context)
        if form.is_bound:
            response = reswap(retarget(response, f"#quick-item-{item.pk}"), "outerHTML")
        return response
    return TemplateResponse(request, "rewards/quick_item_edit.html", context, status=status)


@require_POST
@staff_required(role=Role.MANAGER)
def quick_item_move(request, quick_item_id: int):
    item = get_object_or_404(QuickItem, pk=quick_item_id, shop=request.shop)
    quick_item_services.quick_item_move(
        shop=request.shop, item=item, step=-1 if request.POST.get("direction") == "up" else 1
    )
    return quick_items_page(request)


@require_POST
@staff_required(role=Role.MANAGER)
def quick_item_active(request, quick_item_id: int):
    item = get_object_or_404(QuickItem, pk=quick_item_id, shop=request.shop)
    quick_item_services.quick_item_set_active(item=item, active=request.POST.get("active") == "1")
    return quick_items_page(request)
