"""The rewards catalogue's portal pages, included in the portal's namespace (portal:rewards, …)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalogue, name="rewards"),
    path("new/", views.reward_new, name="reward_new"),
    path("<int:reward_id>/edit/", views.reward_edit, name="reward_edit"),
    path("<int:reward_id>/move/", views.reward_move, name="reward_move"),
    path("<int:reward_id>/active/", views.reward_active, name="reward_active"),
    path("quick-items/", views.quick_items, name="quick_items"),
    path("quick-items/<int:quick_item_id>/edit/", views.quick_item_edit, name="quick_item_edit"),
    path("quick-items/<int:quick_item_id>/move/", views.quick_item_move, name="quick_item_move"),
    path("quick-items/<int:quick_item_id>/active/", views.quick_item_active, name="quick_item_active"),
]
