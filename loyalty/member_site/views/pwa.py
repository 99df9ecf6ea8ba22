"""The installable web app: its manifest and its service worker, both served from /m/ so that the worker's scope
covers every member page (and nothing else)."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from loyalty.services.shops import RESERVED_SLUGS

THEME_COLOUR = "#0f766e"
BACKGROUND_COLOUR = "#ffffff"
ICONS = {"192x192": "icons/member-192.png", "512x512": "icons/member-512.png"}
# What the card page needs to open with no network (the pages themselves are cached as the member opens them).
OFFLINE_ASSETS = ("member/member.css", "member/member.js", *ICONS.values())
# The kept pages' cache keeps its name from one version to the next (a deploy must not wipe the cards kept on a
# phone); only the static assets' cache is versioned.
PAGES_CACHE = "regulars-member-pages"
ASSETS_CACHE_PREFIX = "regulars-member-assets-"


@cache
def assets_version() -> str:
    """Changes when an offline asset changes, so a new worker replaces the old cache."""
    digest = hashlib.sha256()
    for name in OFFLINE_ASSETS:
        path = finders.find(name)
        digest.update(name.encode())
        if path:
            with open(path, "rb") as file:
                digest.update(file.read())
    return digest.hexdigest()[:12]


@require_GET
@cache_control(private=True, max_age=3600)  # in the visitor's language: no shared cache may hand it to another
def manifest(request):
    home = reverse("member:home")
    document = {
        "name": _("Your loyalty cards"),
        "short_name": _("Cards"),
        "description": _("Your loyalty cards, points and rewards, with a QR card that works offline."),
        "start_url": home,
        "scope": home,
        "id": home,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "lang": request.LANGUAGE_CODE,
        "dir": "auto",
        # The drawing sits inside the maskable safe zone on a full-bleed background, so the same images serve
        # both purposes, each listed on its own.
        "icons": [
            {"src": static(path), "sizes": size, "type": "image/png", "purpose": purpose}
            for purpose in ("any", "maskable")
            for size, path in ICONS.items()
        ],
    }
    return JsonResponse(document, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """The worker script; browsers check it for changes on every visit (no-cache), so a new version spreads."""
    script = render_to_string(
        "member/sw.js",
        {
            "pages_cache": json.dumps(PAGES_CACHE),
            "assets_cache": json.dumps(ASSETS_CACHE_PREFIX + assets_version()),
            "assets": json.dumps([static(name) for name in OFFLINE_ASSETS]),
            "scope": json.dumps(reverse("member:home")),
            "static_prefix": json.dumps(static("")),
            "not_shops": json.dumps(sorted(RESERVED_SLUGS)),
        },
    )
    return HttpResponse(script, content_type="application/javascript; charset=utf-8")
