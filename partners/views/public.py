"""The public pages: a partner's link (/p/<code>/) and the form to apply as a shop's partner.

The link leaves the partner's code in the cookie the join page reads (loyalty.member_site.join.PARTNER_COOKIE),
for the plan's cookie_days, scoped to that shop's join page (another shop's join page never sees a code it
does not know), then opens the join page. Under first-touch attribution an earlier partner's cookie is kept:
a companion cookie on /p/ remembers which code the join page's cookie holds, since /p/ cannot read it."""

from __future__ import annotations

from allauth.core import ratelimit
from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from loyalty.errors import ValidationFailed
from loyalty.member_site.join import PARTNER_COOKIE
from loyalty.models import Shop
from loyalty.portal.forms import add_domain_error
from loyalty.services.members import code_normalise

from ..models import Attribution, Partner
from ..services.applications import application_submit

RATE_ACTION_APPLY = "partner_apply"
DAY = 60 * 60 * 24


def _linked(queryset):
    return queryset.filter(
        active=True, shop__partner_program__isnull=False, shop__program__isnull=False
    ).select_related("shop__partner_program", "plan")


def link(request, code: str):
    """A code no other shop's partner has opens that shop's join page; a shared one asks which shop."""
    partners = list(_linked(Partner.objects.filter(key=code_normalise(code))).order_by("shop__name"))
    if not partners:
        raise Http404("no partner has this code")
    if len(partners) > 1:
        return TemplateResponse(request, "partners/link_shops.html", {"partners": partners})
    return _follow(request, partners[0])


def link_at(request, code: str, slug: str):
    partner = _linked(Partner.objects.filter(key=code_normalise(code), shop__slug=slug)).first()
    if partner is None:
        raise Http404("no such partner at this shop")
    return _follow(request, partner)


def companion_cookie(shop: Shop) -> str:
    return f"{PARTNER_COOKIE}_{shop.pk}"


def _follow(request, partner: Partner):
    shop = partner.shop
    join_url = reverse("join", kwargs={"slug": shop.slug})
    earlier = request.COOKIES.get(companion_cookie(shop), "")
    if shop.partner_program.attribution == Attribution.FIRST_TOUCH and earlier and earlier != partner.key:
        return redirect(join_url)  # the join page's cookie still names the first partner
    response = redirect(f"{join_url}?{urlencode({'partner': partner.key})}")
    age = partner.plan.cookie_days * DAY
    secure = request.is_secure()
    response.set_cookie(
        PARTNER_COOKIE, partner.key, max_age=age, path=join_url, httponly=True, samesite="Lax", secure=secure
    )
    response.set_cookie(
        companion_cookie(shop), partner.key, max_age=age, path="/p/", httponly=True, samesite="Lax", secure=secure
    )
    return response


# ---------------------------------------------------------------- applying


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Your name or your business's"), max_length=200)
    email = forms.EmailField(label=_("Email"), help_text=_("Your link and how to sign in are sent here."))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    website = forms.CharField(
        label=_("Where you would share the link"),
        max_length=300,
        required=False,
        help_text=_("A blog, a page, a gym, a shop next door…"),
    )
    message = forms.CharField(label=_("Anything to add"), max_length=2000, required=False, widget=forms.Textarea)
    # The honeypot: hidden from people, filled in by form-filling scripts.
    homepage = forms.CharField(required=False, label=_("Leave this empty"))


def apply(request, slug: str):
    """The public form; a shop that runs no partner program has none (404)."""
    shop = get_object_or_404(Shop, slug=slug, partner_program__isnull=False)
    form = ApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not ratelimit.consume(request, action=RATE_ACTION_APPLY):
            form.add_error(None, _("Too many applications from here. Please wait a few minutes and try again."))
            return TemplateResponse(request, "partners/apply.html", {"shop": shop, "form": form}, status=429)
        status = 422
        if form.is_valid() and form.cleaned_data["homepage"]:
            form.add_error(None, _("We could not accept the form this time. Please try again."))
            status = 400
        elif form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "homepage"}
            try:
                application_submit(shop=shop, **data)
            except ValidationFailed as error:
                add_domain_error(form, error)
            else:
                return TemplateResponse(request, "partners/applied.html", {"shop": shop})
    return TemplateResponse(request, "partners/apply.html", {"shop": shop, "form": form}, status=status)
