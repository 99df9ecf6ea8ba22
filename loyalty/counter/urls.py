from django.urls import path  # noqa: F401  (the counter's pages arrive with its issue)

app_name = "counter"
urlpatterns: list = []
