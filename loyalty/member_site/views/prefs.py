"""The member's settings at a shop: language, how messages reach them, marketing consent; their data as a
download, and "forget me"."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from loyalty.errors import DomainError
from loyalty.member_site.access import members_of_user
from loyalty.member_site.decorators import member_view
from loyalty.member_site.middleware import clear_site_data
from loyalty.models import Channel, ConsentSource
from loyalty.services.members import member_update
from loyalty.services.privacy import member_erase, member_export


def language_name(code: str) -> str:
    """A language named in itself ("Tiếng Việt", "فارسی"), as the language switcher names it."""
    return capfirst(get_language_info(code)["name_local"])


class LanguageSelect(forms.Select):
    """Each language's option carries its lang, so it is read in that language."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


class SettingsForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, widget=LanguageSelect)
    channel = forms.ChoiceField(label=gettext_lazy("Send my messages by"), required=False)
    receipts = forms.BooleanField(label=gettext_lazy("Send me a receipt for each purchase"), required=False)
    marketing_consent = forms.BooleanField(label=gettext_lazy("Send me offers and news from this shop"), required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["language"].choices = [
            ("", _("The shop's language (%(language)s)") % {"language": language_name(member.shop.language)}),
            *((code, language_name(code)) for code, _name in settings.LANGUAGES),
        ]
        self.fields["channel"].choices = [("", _("Email if I gave one, else SMS")), *Channel.choices]

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        if channel == Channel.EMAIL and not self.member.email:
            raise forms.ValidationError(_("The shop has no email for you; choose SMS or Zalo."))
        return channel


@member_view
def member_settings(request, member):
    initial = {
        "language": member.language,
        "channel": member.channel,
        "receipts": member.receipts,
        "marketing_consent": member.marketing_consent,
    }
    form = SettingsForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        member_update(
            member=member,
            language=form.cleaned_data["language"],
            channel=form.cleaned_data["channel"],
            receipts=form.cleaned_data["receipts"],
            marketing_consent=form.cleaned_data["marketing_consent"],
            consent_source=ConsentSource.MEMBER,
            by=request.user,
        )
        messages.success(request, _("Your settings are saved."))
        return redirect("member:settings", slug=member.shop.slug)
    return TemplateResponse(request, "member/settings.html", {"member": member, "form": form})


@require_GET
@never_cache
@member_view
def data_download(request, member):
    """Everything the shop holds about the member, as a JSON file."""
    document = json.dumps(member_export(member), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    filename = f"{member.shop.slug}-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@member_view
def forget(request, member):
    """Confirm, then erase the member's personal data at this shop. Whoever still has a card at another shop stays
    signed in and goes back to their cards; with none left they are signed out. Either way the browser drops the
    pages it kept for offline use (the forgotten card among them)."""
    if request.method == "POST":
        try:
            member_erase(member=member, by=request.user, source=ConsentSource.MEMBER)
        except DomainError:
            messages.error(request, _("This could not be done. Please ask the shop."))
            return redirect("member:settings", slug=member.shop.slug)
        done = _("Done: %(shop)s no longer holds your personal data.") % {"shop": member.shop.name}
        if members_of_user(request.user).exists():
            messages.success(request, done)
            return clear_site_data(redirect("member:home"))
        logout(request)
        messages.success(request, done)
        return clear_site_data(redirect("member:sign_in_phone"))
    return TemplateResponse(request, "member/forget.html", {"member": member})
