"""The portal's shop pages: onboarding, the dashboard, switching shops, staff and locations."""

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from loyalty.branding import adjustments, shop_theme
from loyalty.errors import ValidationFailed
from loyalty.formats import display_locale
from loyalty.middleware import shop_choose
from loyalty.models import Invitation, Location, Role, StaffMembership
from loyalty.money import format_money
from loyalty.services import shops as shop_services
from loyalty.services.branding import shop_branding_update

from ..branding_forms import BrandingForm
from ..decorators import staff_required
from ..emails import invitation_email_send
from ..forms import (
    InviteForm,
    LocationForm,
    OnboardingForm,
    RoleForm,
    ShopSettingsForm,
    ShopSwitchForm,
    add_domain_error,
    browser_zone,
    country_defaults,
    country_zones,
    guess_country,
)
from ..navigation import landing_url
from ..queries import dashboard_figures
from ..start import start_checklist
from ..tables import StaffTable, csv_response, wants_csv


def home(request):
    if request.user.is_authenticated:
        return redirect(landing_url(request.staff_membership) if request.staff_membership else "portal:home")
    return TemplateResponse(request, "home.html")


# ---------------------------------------------------------------- onboarding and the dashboard


@staff_required(Role.OWNER)
def shop_settings(request):
    """The shop's name, country, time zone and the language its customers see."""
    shop = request.shop
    country = request.POST.get("country") or shop.country
    form = ShopSettingsForm(request.POST or None, country=country, initial=_settings_of(shop))
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            shop_services.shop_update(
                shop=shop,
                name=data["name"],
                country=data["country"],
                timezone_name=data["timezone"],
                language=data["language"],
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The shop's settings are saved."))
            return redirect("portal:settings")
    return settings_page(request, form=form, status=400 if form.is_bound else 200)


def _settings_of(shop) -> dict:
    return {"name": shop.name, "country": shop.country, "timezone": shop.timezone, "language": shop.language}


def settings_page(request, *, form=None, branding_form=None, status: int = 200):
    shop = request.shop
    context = {
        "form": form or ShopSettingsForm(country=shop.country, initial=_settings_of(shop)),
        "branding_form": branding_form
        or BrandingForm(initial={"brand_primary": shop.brand_primary, "brand_accent": shop.brand_accent}),
        "theme": shop_theme(shop),
        "shop": shop,
    }
    return TemplateResponse(request, "portal/settings.html", context, status=status)


ADJUSTED = {
    "primary": gettext_lazy("%(chosen)s is too light for text on the page: links and headings use %(used)s."),
    "accent": gettext_lazy("%(chosen)s would barely show on white: bars and stamps use %(used)s."),
}


@require_POST
@staff_required(Role.OWNER)
def shop_branding(request):
    """The logo and the two colours; a colour the pages use darkened (loyalty/branding.py) is said so."""
    form = BrandingForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shop = shop_branding_update(
                shop=request.shop,
                primary=data["brand_primary"],
                accent=data["brand_accent"],
                logo=data["logo"],
                logo_remove=data["logo_remove"],
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The shop's branding is saved."))
            for name, (chosen, used) in adjustments(shop.brand_primary, shop.brand_accent).items():
                messages.warning(request, ADJUSTED[name] % {"chosen": chosen, "used": used})
            return redirect("portal:settings")
    return settings_page(request, branding_form=form, status=400)


def pending_invitations(user):
    """Invitations to any of the person's verified addresses, so one who signed up without the link finds it."""
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return Invitation.objects.filter(
        email__in=[email.lower() for email in emails], accepted_at__isnull=True
    ).select_related("shop")


@login_required
def onboarding(request):
    """Creates a shop. Picking a country refills currency, time zone and language (the HTMX fragment)."""
    country = request.POST.get("country") or request.GET.get("country") or ""
    country = country if country in shop_services.country_codes() else guess_country(request)
    if request.method == "POST":
        form = OnboardingForm(request.POST, country=country)
        if form.is_valid():
            try:
                shop = shop_services.shop_create(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    country=form.cleaned_data["country"],
                    currency=form.cleaned_data["currency"],
                    timezone_name=form.cleaned_data["timezone"],
                    language=form.cleaned_data["language"],
                    location_name=form.cleaned_data["location_name"],
                )
            except ValidationFailed as error:
                add_domain_error(form, error)
            else:
                shop_choose(request, shop)
                messages.success(request, _("%(shop)s is ready. Welcome to your portal.") % {"shop": shop.name})
                return redirect("portal:start")
    else:
        initial = {"country": country, **country_defaults(country)}
        zone = browser_zone(request)
        if zone in country_zones(country):  # the browser's own zone, when it is in that country
            initial["timezone"] = zone
        form = OnboardingForm(initial=initial, country=country)
    template = (
        "portal/onboarding.html#defaults" if request.htmx and request.method == "GET" else "portal/onboarding.html"
    )
    return TemplateResponse(request, template, {"form": form, "invitations": pending_invitations(request.user)})


@staff_required()
def dashboard(request):
    """The shop's figures for the last 30 days, read with a fixed number of aggregate queries."""
    shop = request.shop
    program = shop.program
    locale = str(display_locale())
    figures = dashboard_figures(shop, timezone.now())
    context = {
        "program": program,
        "figures": figures,
        "sales": format_money(figures.sales, shop.currency, locale),
        "liability_value": format_money(figures.liability_value, shop.currency, locale),
        "earn_amount": format_money(program.earn_per_amount, shop.currency, locale),
        "member_count": figures.members,
        "location_count": shop.locations.count(),
        "staff_count": shop.staff.count(),
        "checklist": start_checklist(shop) if request.membership.role == Role.OWNER else None,
    }
    return TemplateResponse(request, "portal/dashboard.html", context)


@require_POST
@login_required
def shop_switch(request):
    """Works in another of the person's shops from now on; a shop they are not staff at is 404."""
    form = ShopSwitchForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    shop = form.cleaned_data["shop"]
    shop_choose(request, shop)
    messages.success(request, _("You are now working in %(shop)s.") % {"shop": shop.name})
    return redirect(landing_url(StaffMembership.objects.get(shop=shop, user=request.user)))


# ---------------------------------------------------------------- staff


def staff_context(request, invite_form: InviteForm | None = None) -> dict:
    shop = request.shop
    is_owner = request.membership.role == Role.OWNER
    return {
        "table": StaffTable(shop.staff.select_related("user").order_by("user__email"), is_owner=is_owner),
        "invitations": shop.invitations.filter(accepted_at__isnull=True).select_related("invited_by"),
        "invite_form": invite_form or InviteForm(),
        "role_choices": Role.choices,
        "is_owner": is_owner,
    }


def staff_page(request, invite_form: InviteForm | None = None):
    """After a change HTMX gets the staff section back and a plain form is redirected (POST-redirect-GET);
    a form with errors is shown again."""
    if request.htmx:
        return TemplateResponse(request, "portal/staff.html#staff", staff_context(request, invite_form))
    if invite_form is not None:
        return TemplateResponse(request, "portal/staff.html", staff_context(request, invite_form))
    return redirect("portal:staff")


def leave_page(request):
    """After a person changes their own membership, the staff page may no longer be theirs to see."""
    url = reverse("portal:home")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@staff_required(role=Role.MANAGER)
def staff_list(request):
    context = staff_context(request)
    if wants_csv(request):
        return csv_response(context["table"], f"{request.shop.slug}-staff")
    return TemplateResponse(request, "portal/staff.html", context)


@require_POST
@staff_required(role=Role.OWNER)
def staff_invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = shop_services.staff_invite(shop=request.shop, invited_by=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            accept_url = request.build_absolute_uri(reverse("portal:invitation", args=[invitation.token]))
            invitation_email_send(invitation, accept_url=accept_url)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return staff_page(request)
    return staff_page(request, form)


@require_POST
@staff_required(role=Role.OWNER)
def staff_role(request, membership_id: int):
    membership = get_object_or_404(StaffMembership.objects.select_related("user"), pk=membership_id, shop=request.shop)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return staff_page(request)
    try:
        shop_services.staff_role_change(membership=membership, role=form.cleaned_data["role"])
    except ValidationFailed as error:
        messages.error(request, error.message)
        return staff_page(request)
    messages.success(
        request,
        _("%(person)s is now %(role)s.")
        % {"person": membership.user.email, "role": Role(form.cleaned_data["role"]).label},
    )
    return leave_page(request) if membership.pk == request.membership.pk else staff_page(request)


@require_POST
@staff_required(role=Role.OWNER)
def staff_remove(request, membership_id: int):
    membership = get_object_or_404(StaffMembership.objects.select_related("user"), pk=membership_id, shop=request.shop)
    try:
        shop_services.staff_remove(membership=membership)
    except ValidationFailed as error:
        messages.error(request, error.message)
        return staff_page(request)
    messages.success(request, _("%(person)s no longer works here.") % {"person": membership.user.email})
    return leave_page(request) if membership.pk == request.membership.pk else staff_page(request)


@require_POST
@staff_required(role=Role.OWNER)
def invitation_revoke(request, invitation_id: int):
    invitation = get_object_or_404(Invitation, pk=invitation_id, shop=request.shop, accepted_at__isnull=True)
    shop_services.invitation_revoke(invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return staff_page(request)


def invitation(request, token: str):
    """The link in the invitation email. A visitor is asked to sign up or sign in (the signup form is prefilled
    and the address counts as verified, since the link reached it); the invitee accepts with a POST. A link
    that is used, withdrawn or meant for another account answers 404 with an explanation."""
    invitation = Invitation.objects.select_related("shop", "invited_by").filter(token=token).first()
    user = request.user
    if invitation is not None and user.is_authenticated and invitation.accepted_by_id == user.pk:
        shop_choose(request, invitation.shop)
        return redirect("portal:home")
    usable = (
        invitation is not None
        and invitation.accepted_at is None
        and (not user.is_authenticated or shop_services.user_has_email(user, invitation.email))
    )
    if not usable:
        return TemplateResponse(request, "portal/invitation_unusable.html", status=404)
    if not user.is_authenticated:
        get_adapter(request).stash_verified_email(request, invitation.email)
    elif request.method == "POST":
        try:
            shop_services.invitation_accept(invitation=invitation, user=user)
        except ValidationFailed as error:
            messages.error(request, error.message)
            return redirect(request.path)
        shop_choose(request, invitation.shop)
        messages.success(request, _("Welcome to %(shop)s.") % {"shop": invitation.shop.name})
        return redirect(landing_url(StaffMembership.objects.get(shop=invitation.shop, user=user)))
    return TemplateResponse(request, "portal/invitation.html", {"invitation": invitation})


# ---------------------------------------------------------------- locations


@staff_required(role=Role.MANAGER)
def locations(request):
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            location = shop_services.location_create(shop=request.shop, name=form.cleaned_data["name"])
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(location)s was added.") % {"location": location.name})
            if not request.htmx:
                return redirect("portal:locations")
            form = LocationForm()
    template = "portal/locations.html#locations" if request.htmx else "portal/locations.html"
    return TemplateResponse(request, template, {"locations": request.shop.locations.all(), "form": form})


@staff_required(role=Role.MANAGER)
def location_edit(request, location_id: int):
    """Renames a location: in place in the list with HTMX, or on a page of its own."""
    location = get_object_or_404(Location, pk=location_id, shop=request.shop)
    # Its own ids: in the list this form sits beside the one that adds a location.
    form = LocationForm(request.POST or None, initial={"name": location.name}, auto_id=f"location-{location.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            shop_services.location_update(location=location, name=form.cleaned_data["name"])
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            if request.htmx:
                return TemplateResponse(request, "portal/locations.html#location", {"location": location})
            messages.success(request, _("The location was renamed."))
            return redirect("portal:locations")
    template = "portal/location_edit.html#form" if request.htmx else "portal/location_edit.html"
    return TemplateResponse(request, template, {"location": location, "form": form})
