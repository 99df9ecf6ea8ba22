"""A phone passed from hand to hand keeps nothing of whoever signed out: the sign-out's answer tells the browser
to drop this site's caches and storage (Clear-Site-Data), so the member pages kept for offline use, and the
service worker keeping them, go with the person."""

from __future__ import annotations

from django.urls import reverse

CLEAR_SITE_DATA = '"cache", "storage"'


def clear_site_data(response):
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


class ClearSiteDataOnSignOutMiddleware:
    """allauth's sign-out view (every sign-out posts to it) answered with Clear-Site-Data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and request.path == reverse("account_logout"):
            clear_site_data(response)
        return response
