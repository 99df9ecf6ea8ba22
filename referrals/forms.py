"""The portal's form for the referral program: the same settings as the configuration file's section."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rewards.models import Reward

from .services.programs import MAX_MILESTONES


class ProgramForm(forms.Form):
    enabled = forms.BooleanField(label=_("Run the referral program"), required=False)
    referee_reward = forms.ModelChoiceField(
        label=_("The friend gets"),
        queryset=Reward.objects.none(),
        required=False,
        empty_label=_("Nothing"),
        help_text=_("A voucher issued when the friend joins, typically a first-purchase discount."),
    )
    referrer_points = forms.IntegerField(label=_("Points for the referrer"), min_value=0, initial=0)
    review_days = forms.IntegerField(
        label=_("Days before approval"),
        min_value=0,
        required=False,
        help_text=_("After the friend's first purchase. Empty: the program's return window."),
    )
    max_per_week = forms.IntegerField(
        label=_("Most approved referrals per referrer per week"), min_value=1, required=False,
        help_text=_("Empty: no limit."),
    )  # fmt: skip
    leaderboard = forms.BooleanField(
        label=_("Show the month's top referrers on member pages"), required=False,
        help_text=_("First name and initial only."),
    )  # fmt: skip
    milestones = forms.CharField(
        label=_("Milestone rewards"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}),
        help_text=_("One per line: the number of approved friends, then the reward's code. Example: 5 shave-cream"),
    )

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.fields["referee_reward"].queryset = Reward.objects.filter(shop=shop, active=True)

    def clean_milestones(self) -> list[tuple[int, Reward]]:
        rewards = {reward.code: reward for reward in Reward.objects.filter(shop=self.shop)}
        rungs = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            count, _sep, code = line.strip().partition(" ")
            if not count.isdigit() or int(count) < 1 or code.strip() not in rewards:
                raise forms.ValidationError(
                    _("Line %(n)s: write a number of friends, a space and a reward's code."), params={"n": number}
                )
            rungs.append((int(count), rewards[code.strip()]))
        if len(rungs) > MAX_MILESTONES:
            raise forms.ValidationError(_("At most %(n)s milestones."), params={"n": MAX_MILESTONES})
        return rungs


def program_initial(program) -> dict:
    if program is None:
        return {"enabled": True, "referrer_points": 0}
    return {
        "enabled": program.enabled,
        "referee_reward": program.referee_reward_id,
        "referrer_points": program.referrer_points,
        "review_days": program.review_days,
        "max_per_week": program.max_per_week,
        "leaderboard": program.leaderboard,
        "milestones": "\n".join(f"{m.count} {m.reward.code}" for m in program.milestones.select_related("reward")),
    }
