"""The coalition's public page, included at the site root (loyalty/urls.py) under the `coalitions` namespace."""

from django.urls import path

from .views import public

app_name = "coalitions"
urlpatterns = [
    path("c/<slug:code>/", public.page, name="page"),
]
