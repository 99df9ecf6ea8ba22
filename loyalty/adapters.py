"""django-allauth adapter: after sign-in, staff land in their shop (or in onboarding if they have none)."""
from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        return reverse("portal:home")

    def get_signup_redirect_url(self, request):
        return reverse("portal:home")
