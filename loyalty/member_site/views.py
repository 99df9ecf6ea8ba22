"""The member's own pages: sign in with a one-time code sent by email, then see every shop they belong to."""

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Member
from loyalty.selectors import points_summary
from loyalty.services.members import member_card_number

from .access import member_from_link_token, member_login


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Your email"), max_length=254)


def members_of_email(email: str):
    return (
        Member.objects.filter(email__iexact=email.strip(), merged_into__isnull=True)
        .select_related("shop", "account__tier", "account__program")
        .prefetch_related("cards")
    )


@transaction.atomic
def member_user_for(email: str):
    """The sign-in identity of a customer: a user without a password, known by the email shops hold."""
    users = get_user_model().objects
    user = users.filter(email__iexact=email).first()
    if user is None:
        user = users.create_user(username=f"member-{email.lower()}"[:150], email=email.lower())
        user.set_unusable_password()
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email.lower(), verified=False, primary=True)
    return user


def sign_in(request):
    """Members sign in with a code sent to the email a shop holds for them; unknown emails get no hint."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.consume(request, action="request_login_code", key=email.lower()):
            form.add_error("email", _("Too many codes asked for; wait a minute and try again."))
            return TemplateResponse(request, "member/sign_in.html", {"form": form}, status=429)
        if members_of_email(email).exists():
            LoginCodeVerificationProcess.initiate(request=request, user=member_user_for(email), email=email)
            return redirect("account_confirm_login_code")
        return TemplateResponse(request, "member/code_sent.html", {"email": email})
    return TemplateResponse(request, "member/sign_in.html", {"form": form})


@login_required(login_url="member:sign_in")
def home(request):
    """Every shop whose member carries the signed-in email, with points, tier and card number."""
    now = timezone.now()
    cards = (
        [
            {
                "member": m,
                "shop": m.shop,
                "card_number": member_card_number(m),
                "points": points_summary(m.account, now),
                "tier": m.account.tier,
            }
            for m in members_of_email(request.user.email)
        ]
        if request.user.email
        else []
    )
    return TemplateResponse(request, "member/home.html", {"cards": cards})


def link(request, token: str):
    """The signed link in a welcome message signs the customer in; a forged or stale one asks them to sign in."""
    member = member_from_link_token(token)
    if member is None:
        return HttpResponseBadRequest(TemplateResponse(request, "member/link_expired.html").render().content)
    member_login(request, member)
    return redirect("member:home")
