from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from loyalty.api import api
from loyalty.api.errors import error_response
from loyalty.member_site.join import join
from loyalty.portal import views as portal_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("portal/", include("loyalty.portal.urls")),
    path("m/", include("loyalty.member_site.urls")),
    path("j/<slug:slug>/", join, name="join"),
    path("counter/", include("loyalty.counter.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The program apps' pages, named by their AppConfig (`urls = "referrals.urls"`): the core imports none of them.
    *[path("", include(config.urls)) for config in apps.get_app_configs() if getattr(config, "urls", None)],
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def handler404(request, exception=None):
    """The till API answers JSON even for paths it does not have."""
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "There is no such API path.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
