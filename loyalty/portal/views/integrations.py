"""The owner's connections to other systems: till API keys and webhook endpoints with their delivery log.

A raw API key exists only in the answer to its creation (only its hash is stored). A webhook's signing secret
is stored, because every delivery is signed with it; it is shown once the endpoint is added and again only
when its owner asks."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from loyalty.errors import ValidationFailed
from loyalty.models import ApiKey, Role, WebhookDelivery, WebhookEndpoint
from loyalty.services import api_keys as api_key_services
from loyalty.services import webhooks as webhook_services

from ..decorators import staff_required
from ..forms import ApiKeyForm, WebhookEndpointForm, add_domain_error
from ..queries import api_keys_of, deliveries_of, endpoints_of
from ..tables import ApiKeyTable, DeliveryTable, EndpointTable

KEYS_PER_PAGE = 25
DELIVERIES_PER_PAGE = 20


def never_cached(response):
    """Pages showing a secret stay out of the browser's cache and history."""
    add_never_cache_headers(response)
    return response


# ---------------------------------------------------------------- API keys


def api_keys_page(request, form: ApiKeyForm | None = None):
    table = ApiKeyTable(api_keys_of(request.shop))
    RequestConfig(request, paginate={"per_page": KEYS_PER_PAGE}).configure(table)
    return TemplateResponse(
        request,
        "portal/api_keys.html",
        {
            "table": table,
            "form": form or ApiKeyForm(shop=request.shop),
            "api_url": request.build_absolute_uri(reverse("api-v1:openapi-view")),
        },
    )


@staff_required(role=Role.OWNER)
def api_keys(request):
    return api_keys_page(request)


@require_POST
@staff_required(role=Role.OWNER)
def api_key_create(request):
    """The new key is shown on the page this POST answers, and never again: no redirect, nothing kept."""
    form = ApiKeyForm(request.POST, shop=request.shop)
    if form.is_valid():
        try:
            key, raw = api_key_services.api_key_create(
                shop=request.shop,
                role=form.cleaned_data["role"],
                name=form.cleaned_data["name"],
                location=form.cleaned_data["location"],
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            return never_cached(TemplateResponse(request, "portal/api_key_created.html", {"key": key, "raw_key": raw}))
    return api_keys_page(request, form)


@staff_required(role=Role.OWNER)
def api_key_revoke(request, api_key_id: int):
    """GET asks to confirm; POST revokes (tills using the key are refused from then on)."""
    key = get_object_or_404(ApiKey, pk=api_key_id, shop=request.shop)
    if key.revoked_at:
        messages.info(request, _("The key “%(name)s” is already revoked.") % {"name": key.name})
        return redirect("portal:api_keys")
    if request.method == "POST":
        api_key_services.api_key_revoke(key=key)
        messages.success(request, _("The key “%(name)s” was revoked.") % {"name": key.name})
        return redirect("portal:api_keys")
    return TemplateResponse(
        request,
        "portal/confirm.html",
        {
            "title": _("Revoke the key “%(name)s”?") % {"name": key.name},
            "text": _(
                "Tills and systems using the key %(prefix)s… are refused from now on. This cannot be undone; "
                "you can create a new key instead."
            )
            % {"prefix": key.prefix},
            "action": reverse("portal:api_key_revoke", kwargs={"api_key_id": key.pk}),
            "button": _("Revoke the key"),
            "cancel": reverse("portal:api_keys"),
        },
    )


# ---------------------------------------------------------------- webhooks


@staff_required(role=Role.OWNER)
def webhooks(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_services.webhook_endpoint_create(
                shop=request.shop, url=form.cleaned_data["url"], events=form.cleaned_data["events"]
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The endpoint was added. Copy its signing secret now."))
            return redirect("portal:webhook_secret", endpoint_id=endpoint.pk)
    table = EndpointTable(endpoints_of(request.shop))
    RequestConfig(request, paginate=False).configure(table)
    return TemplateResponse(request, "portal/webhooks.html", {"table": table, "form": form})


def endpoint_or_404(request, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id, shop=request.shop)


def endpoint_page(request, endpoint: WebhookEndpoint, *, reveal: bool = False, partial: str = ""):
    deliveries = DeliveryTable(deliveries_of(endpoint))
    RequestConfig(request, paginate={"per_page": DELIVERIES_PER_PAGE}).configure(deliveries)
    template = f"portal/webhook.html#{partial}" if partial else "portal/webhook.html"
    return TemplateResponse(request, template, {"endpoint": endpoint, "deliveries": deliveries, "reveal": reveal})


@staff_required(role=Role.OWNER)
def webhook(request, endpoint_id: int):
    """An endpoint and its delivery log, newest first; HTMX pages through the log in place."""
    endpoint = endpoint_or_404(request, endpoint_id)
    return endpoint_page(request, endpoint, partial="deliveries" if request.htmx else "")


@staff_required(role=Role.OWNER)
def webhook_secret(request, endpoint_id: int):
    """The endpoint's page with its signing secret shown (with HTMX, only the secret)."""
    endpoint = endpoint_or_404(request, endpoint_id)
    return never_cached(endpoint_page(request, endpoint, reveal=True, partial="secret" if request.htmx else ""))


@staff_required(role=Role.OWNER)
def webhook_disable(request, endpoint_id: int):
    """GET asks to confirm; POST stops sending events to the endpoint."""
    endpoint = endpoint_or_404(request, endpoint_id)
    page = reverse("portal:webhook", kwargs={"endpoint_id": endpoint.pk})
    if not endpoint.active:
        messages.info(request, _("This endpoint is already disabled."))
        return redirect(page)
    if request.method == "POST":
        webhook_services.webhook_endpoint_disable(endpoint=endpoint)
        messages.success(request, _("The endpoint was disabled. No more events are sent to it."))
        return redirect(page)
    return TemplateResponse(
        request,
        "portal/confirm.html",
        {
            "title": _("Disable this endpoint?"),
            "text": _("No new events are sent to %(url)s. To receive events again, add the endpoint anew.")
            % {"url": endpoint.url},
            "action": reverse("portal:webhook_disable", kwargs={"endpoint_id": endpoint.pk}),
            "button": _("Disable the endpoint"),
            "cancel": page,
        },
    )


@require_POST
@staff_required(role=Role.OWNER)
def webhook_resend(request, delivery_id):
    """Sends a delivery again, unchanged (same id and body, so a receiver can tell it is the same event)."""
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint"), pk=delivery_id, endpoint__shop=request.shop
    )
    endpoint = delivery.endpoint
    if not endpoint.active:
        messages.error(request, _("This endpoint is disabled, so nothing is sent to it."))
    else:
        webhook_services.webhook_resend(delivery=delivery)
        messages.success(request, _("The %(event)s event will be sent again.") % {"event": delivery.event})
    if request.htmx:
        return endpoint_page(request, endpoint, partial="deliveries")
    return redirect("portal:webhook", endpoint_id=endpoint.pk)
