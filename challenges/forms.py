"""Forms of the portal's challenge pages, the ideas board and its moderation: they check what people type and hand
it to the services."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from rewards.models import Reward

from .models import Challenge, GoalKind, IdeaStatus, ImpactPer

FIELDS = ("code", "name", "goal_kind", "target", "categories", "starts", "ends", "points", "reward", "badge")


class ChallengeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("What members read: “Visit 5 times in March”."))
    goal_kind = forms.ChoiceField(label=_("Goal"), choices=GoalKind.choices)
    target = forms.DecimalField(
        label=_("Target"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Visits, items, categories, weeks or friends; an amount of money for spend."),
    )
    categories = forms.CharField(
        label=_("Only these categories"), required=False, help_text=_("Separated by commas; empty: all.")
    )
    starts = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(
        label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("The first day after it.")
    )
    points = forms.IntegerField(label=_("Points"), min_value=0, initial=0)
    reward = forms.ModelChoiceField(label=_("Reward"), queryset=Reward.objects.none(), required=False)
    badge = forms.CharField(label=_("Badge"), max_length=60, required=False)

    def __init__(self, data=None, *, shop, instance: Challenge | None = None, **kwargs):
        initial = None
        if instance is not None:
            initial = {name: getattr(instance, name) for name in FIELDS}
            initial["categories"] = ", ".join(instance.categories)
        super().__init__(data, initial=initial, **kwargs)
        self.fields["reward"].queryset = Reward.objects.filter(shop=shop, active=True)
        if not apps.is_installed("referrals"):  # nothing would report its approvals
            self.fields["goal_kind"].choices = [c for c in GoalKind.choices if c[0] != GoalKind.REFERRALS]

    def clean_categories(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["categories"].split(",") if part.strip()]


class IdeaForm(forms.Form):
    text = forms.CharField(label=_("Your idea"), max_length=500, min_length=3, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    status = forms.ChoiceField(label=_("Status"), choices=IdeaStatus.choices)


class ImpactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What customers read: “Trees planted”."))
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("“trees”, “meals”, “m² of reef”."))
    per = forms.ChoiceField(label=_("Counted for"), choices=ImpactPer.choices)
    quantity = forms.DecimalField(label=_("Adds"), min_value=0, max_digits=16, decimal_places=4)
    per_amount = forms.DecimalField(
        label=_("Per amount spent"), min_value=0, max_digits=16, decimal_places=4, required=False,
        help_text=_("Only when counting for each amount spent."),
    )  # fmt: skip
    per_donation = forms.DecimalField(
        label=_("Each donation reward adds"), min_value=0, max_digits=16, decimal_places=4, initial=1
    )


class SurpriseForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    one_in = forms.IntegerField(label=_("1 purchase in"), min_value=2, help_text=_("20: one purchase in 20 wins."))
    reward = forms.ModelChoiceField(label=_("Reward"), queryset=Reward.objects.none())
    min_spend = forms.DecimalField(label=_("Minimum spend"), min_value=0, max_digits=16, decimal_places=4, initial=0)

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["reward"].queryset = Reward.objects.filter(shop=shop, active=True)


class CommunityForm(forms.Form):
    badges = forms.BooleanField(label=_("Badges for the first visit, tiers and anniversaries"), required=False)
    leaderboard = forms.BooleanField(label=_("Monthly leaderboard (members opt in)"), required=False)
    ideas = forms.BooleanField(label=_("Ideas board on the shop's page"), required=False)


class PrizeForm(forms.Form):
    board = forms.ChoiceField(label=_("Board"))
    place = forms.IntegerField(label=_("Place"), min_value=1, max_value=10, initial=1)
    reward = forms.ModelChoiceField(label=_("Reward"), queryset=Reward.objects.none())

    def __init__(self, data=None, *, shop, boards, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["board"].choices = boards
        self.fields["reward"].queryset = Reward.objects.filter(shop=shop, active=True)
