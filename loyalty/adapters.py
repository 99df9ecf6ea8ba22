"""django-allauth adapter: after sign-in, staff land in their shop, customers on their member pages, and anyone
else in onboarding (to create a shop)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.member_site.access import members_of_user
from loyalty.middleware import current_membership
from loyalty.portal.navigation import landing_url


class AccountAdapter(DefaultAccountAdapter):
    # The refusals people meet while signing up and in, in the product's words (and so in its translations).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("This email address and password do not match an account."),
        "email_taken": _("An account with this email address exists already. Sign in instead."),
        "incorrect_code": _("This code is not right. Check the email and try again."),
        "too_many_login_attempts": _("Too many attempts. Wait a few minutes, then try again."),
        "rate_limited": _("Too many requests. Wait a moment, then try again."),
    }

    def get_login_redirect_url(self, request):
        """Staff go to the portal (a person on a shop's staff and a member elsewhere is there to work). A person
        with no staff membership whose email a shop holds for a member goes to the member pages, and one a program
        app has a page for (a partner) to that page, not to onboarding."""
        user = request.user
        membership = current_membership(request)
        if membership is not None:
            return landing_url(membership)
        if members_of_user(user).exists():
            return reverse("member:home")
        return hooks.sign_in_destination_for(user) or reverse("portal:home")

    def send_mail(self, template_prefix, email, context):
        """A customer asking for a member sign-in code under an email no shop knows hears so in a customer's
        words (allauth's own mail invites them to sign up for a shop account)."""
        request = context.get("request")
        if template_prefix == "account/email/unknown_account" and _member_sign_in(request):
            template_prefix = "member/email/no_card"
        super().send_mail(template_prefix, email, context)

    def get_signup_redirect_url(self, request):
        return reverse("portal:home")


def _member_sign_in(request) -> bool:
    return request is not None and request.path == reverse("member:sign_in")
