"""The rewards catalogue's portal pages, included in the portal's namespace (portal:rewards, …)."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
