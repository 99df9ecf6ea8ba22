from django.urls import path

from . import unsubscribe, views

app_name = "member"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("link/<str:token>/", views.link, name="link"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
]
