"""The site's URLs plus MEDIA_ROOT's files, for browser tests that show uploads (logos): the live server runs with
DEBUG off, where loyalty/urls.py leaves media to the web server in front."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from loyalty.urls import handler404
from loyalty.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *site_urlpatterns,
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
__all__ = ["handler404", "urlpatterns"]
