"""Members sign in with a one-time code sent by email (allauth's login by code) or texted to their phone, or with
the signed link in their welcome message. Unknown emails and phones get the same answer as known ones."""

import uuid

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django import forms
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from loyalty.member_site import phone_codes
from loyalty.member_site.access import (
    MODEL_BACKEND,
    member_from_link_token,
    member_login,
    passwordless_user,
    sms_user,
)
from loyalty.models import Member

RATE_ACTION = "request_login_code"  # the email path's limit (per address and per IP), for phones too
PHONE_SESSION_KEY = "member_sign_in_phone"
# One answer for a wrong code, an expired one and a phone no shop knows: no hint either way.
WRONG_CODE = _("This code is not right, or it has expired. Check the text, or ask for a new code.")


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Your email"), max_length=254)


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Your phone number"), max_length=30)

    def clean_phone(self) -> str:
        phone = phone_codes.phone_for_sign_in(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("This is not a valid phone number."))
        return phone


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("The code we texted you"),
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        error_messages={"invalid": _("The code is six digits.")},
    )


def members_of_email(email: str):
    return Member.objects.current().filter(email__iexact=email.strip())


@transaction.atomic
def email_user(email: str):
    """Who signs in with a code sent to this email: the account holding it, else a new passwordless one. The
    code proves the address (allauth marks it verified), and the member pages find the members by it."""
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        user = passwordless_user(f"member-{uuid.uuid4().hex}")
        user.email = email.lower()
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email=email.lower(), verified=False, primary=True)
    return user


def too_many(request, key: str) -> bool:
    return not ratelimit.consume(request, action=RATE_ACTION, key=key.lower())


def too_many_answer(request, form, field: str, template: str) -> TemplateResponse:
    form.add_error(field, _("Too many codes asked for; wait a minute and try again."))
    return TemplateResponse(request, template, {"form": form}, status=429)


def sign_in(request):
    """Members sign in with a code sent to the email a shop holds for them; unknown emails get no hint."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if too_many(request, email):
            return too_many_answer(request, form, "email", "member/sign_in.html")
        # Known or not, the same next page: a stranger learns nothing of who is a member. An unknown address
        # gets an email saying no shop knows it (the adapter picks the member wording), never a code.
        user = email_user(email) if members_of_email(email).exists() else None
        LoginCodeVerificationProcess.initiate(request=request, user=user, email=email)
        return redirect("account_confirm_login_code")
    return TemplateResponse(request, "member/sign_in.html", {"form": form})


def sign_in_phone(request):
    """Ask for a code by text message. Known or not, the phone goes on to the same code page."""
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if too_many(request, phone):
            return too_many_answer(request, form, "phone", "member/sign_in_phone.html")
        phone_codes.sign_in_code_send(phone=phone)
        request.session[PHONE_SESSION_KEY] = phone
        return redirect("member:sign_in_phone_code")
    return TemplateResponse(request, "member/sign_in_phone.html", {"form": form})


def sign_in_phone_code(request):
    """Type the texted code: the right one signs in as the phone's member user and links every shop's member."""
    phone = request.session.get(PHONE_SESSION_KEY)
    if not phone:
        return redirect("member:sign_in_phone")
    form = CodeForm(request.POST or None)
    context = {"form": form, "phone": phone}
    if request.method == "POST" and form.is_valid():
        result = phone_codes.sign_in_code_check(phone=phone, code=form.cleaned_data["code"])
        if result is not phone_codes.CheckResult.OK:
            form.add_error("code", WRONG_CODE)
            return TemplateResponse(request, "member/sign_in_phone_code.html", context, status=400)
        login(request, sms_user(phone), backend=MODEL_BACKEND)
        request.session.pop(PHONE_SESSION_KEY, None)
        return redirect("member:home")
    return TemplateResponse(request, "member/sign_in_phone_code.html", context)


def link(request, token: str):
    """The signed link in a welcome message signs the customer in and opens their card at that shop; a forged or
    stale one asks them to sign in."""
    member = member_from_link_token(token)
    if member is None:
        return HttpResponseBadRequest(TemplateResponse(request, "member/link_expired.html").render().content)
    member_login(request, member)
    return redirect("member:shop", slug=member.shop.slug)
