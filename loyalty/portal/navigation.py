"""The portal's sections. A section is linked once its page exists (its URL name resolves) and the person's
role may open it, so pages that are not built yet never show as dead links."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.models import Role

SECTIONS = [
    ("portal:home", _("Dashboard"), Role.CASHIER),
    ("counter:home", _("Counter"), Role.CASHIER),
    ("portal:members", _("Members"), Role.CASHIER),
    ("portal:program", _("Program"), Role.MANAGER),
    ("portal:rewards", _("Rewards"), Role.MANAGER),
    ("portal:staff", _("Staff"), Role.MANAGER),
    ("portal:locations", _("Locations"), Role.MANAGER),
    ("portal:print", _("Print"), Role.MANAGER),
    ("portal:messages", _("Messages"), Role.MANAGER),
    ("portal:api_keys", _("API keys"), Role.OWNER),
    ("portal:settings", _("Settings"), Role.OWNER),
]


@dataclass(frozen=True)
class Section:
    url: str
    label: str
    current: bool


def sections_for(request, role: str) -> list[Section]:
    home = reverse("portal:home")
    sections = []
    links = [(link.url_name, link.label, link.role) for link in hooks.portal_links()]
    for url_name, label, required in SECTIONS[:5] + links + SECTIONS[5:]:
        if not Role.at_least(role, required):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        current = request.path == url if url == home else request.path.startswith(url)
        sections.append(Section(url, label, current))
    return sections


def landing_url(membership) -> str:
    """Where a person of a shop's staff starts: a cashier at the counter, the others at the dashboard."""
    if membership is not None and membership.role == Role.CASHIER:
        return reverse("counter:home")
    return reverse("portal:home")
