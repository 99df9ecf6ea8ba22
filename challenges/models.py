"""Challenges and their progress, badges, the impact counter, surprise rewards, leaderboards and the ideas board.

Every row names its shop; what a member won (a completion, a surprise win, a leaderboard place) is unique in the
database, so a retry, a replay or two workers at once give it once."""

from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import Member, Purchase, Refund, Shop
from loyalty.models.programs import MONEY

COUNT = {"max_digits": 16, "decimal_places": 2}  # goals: whole counts, or money in the shop's currency
IMPACT = {"max_digits": 18, "decimal_places": 4}  # what the impact counter adds up (0.1 tree a purchase)


class GoalKind(models.TextChoices):
    VISITS = "visits", _("Visits")
    SPEND = "spend", _("Spend")
    DISTINCT_ITEMS = "distinct_items", _("Different items")
    CATEGORIES = "categories", _("Different categories")
    STREAK = "streak", _("Weeks in a row")
    REFERRALS = "referrals", _("Approved referrals")


class Challenge(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="challenges")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    goal_kind = models.CharField(max_length=20, choices=GoalKind.choices)
    target = models.DecimalField(**COUNT, help_text=_("visits, items, categories or weeks; money for spend"))
    categories = models.JSONField(default=list, blank=True, help_text=_("only these categories count; empty: all"))
    starts = models.DateField()
    ends = models.DateField(help_text=_("exclusive: the first day after the challenge"))
    points = models.PositiveIntegerField(default=0)
    reward = models.ForeignKey(
        "rewards.Reward", null=True, blank=True, on_delete=models.PROTECT, related_name="challenges"
    )
    badge = models.CharField(max_length=60, blank=True)
    tiers = models.JSONField(default=list, blank=True, help_text=_("tier codes that may take part; empty: all"))
    active = models.BooleanField(default=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("the job closed the window"))

    class Meta:
        ordering = ["starts", "code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="challenge_code_unique_per_shop"),
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="challenge_ends_after_starts"),
            models.CheckConstraint(condition=Q(target__gt=0), name="challenge_target_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def last_day(self):
        """The window's last day, as people read "until" (the stored end is exclusive)."""
        return self.ends - timedelta(days=1)


class Progress(models.Model):
    """One member's count towards one challenge, recomputed from the window's purchases until it completes."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="progress")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="challenge_progress")
    value = models.DecimalField(**COUNT, default=Decimal(0))
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey("rewards.Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name_plural = "progress"
        constraints = [models.UniqueConstraint(fields=["challenge", "member"], name="one_progress_per_member")]


class ReferralCredit(models.Model):
    """A referral the referral program approved (loyalty.hooks.ReferralApproved), kept so challenges of approved
    referrals count from the data, as the others count purchases; `voided_at` when it was voided afterwards."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", help_text=_("the referrer"))
    account = models.ForeignKey("loyalty.Account", on_delete=models.PROTECT, related_name="+")
    referral_id = models.PositiveBigIntegerField()
    approved_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "referral_id"], name="one_credit_per_referral")]
        indexes = [models.Index(fields=["account", "approved_at"], name="referral_credit_by_account")]


class BadgeKind(models.TextChoices):
    CHALLENGE = "challenge", _("Challenge")
    TIER = "tier", _("Tier")
    FIRST_VISIT = "first_visit", _("First visit")
    ANNIVERSARY = "anniversary", _("Anniversary")
    LEADERBOARD = "leaderboard", _("Leaderboard")
    REFERRAL = "referral", _("First friend brought")


class MemberBadge(models.Model):
    """A badge a member keeps: `ref` makes it once (the challenge's code, the tier's code, the year)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="badges")
    kind = models.CharField(max_length=20, choices=BadgeKind.choices)
    ref = models.CharField(max_length=60, blank=True)
    name = models.CharField(max_length=60, blank=True, help_text=_("the owner's name for it; blank: the kind's"))
    earned_at = models.DateTimeField()

    class Meta:
        ordering = ["-earned_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["member", "kind", "ref"], name="one_badge_per_member_ref")]


class ImpactPer(models.TextChoices):
    PURCHASE = "purchase", _("Each purchase")
    AMOUNT = "amount", _("Each amount spent")
    VISIT_DAY = "visit_day", _("Each day with a visit")


class Impact(models.Model):
    """The shop's mission: what its customers' actions fund ("Trees planted")."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="impact")
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=40)
    per = models.CharField(max_length=20, choices=ImpactPer.choices)
    quantity = models.DecimalField(**IMPACT)
    per_amount = models.DecimalField(**MONEY, null=True, blank=True)
    per_donation = models.DecimalField(**IMPACT, default=Decimal(1))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="impact_quantity_positive")]


class ImpactSource(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    REFUND = "refund", _("Refund")
    DONATION = "donation", _("Donation reward")


class ImpactEntry(models.Model):
    """What one purchase, refund or donation added to the counter (refunds negative); append-only."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=ImpactSource.choices)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.OneToOneField(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voucher = models.OneToOneField("rewards.Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**IMPACT)
    occurred_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "impact entries"
        indexes = [models.Index(fields=["shop", "member"], name="impact_shop_member")]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase"], condition=Q(source="purchase"), name="one_impact_entry_per_purchase"
            ),
        ]


class Surprise(models.Model):
    """ "1 purchase in 20 wins a pastry": drawn once per purchase, from the purchase."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="surprises")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    one_in = models.PositiveIntegerField(help_text=_("1 purchase in this many wins"))
    reward = models.ForeignKey("rewards.Reward", on_delete=models.PROTECT, related_name="+")
    min_spend = models.DecimalField(**MONEY, default=Decimal(0))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="surprise_code_unique_per_shop"),
            models.CheckConstraint(condition=Q(one_in__gte=2), name="surprise_one_in_at_least_two"),
        ]

    def __str__(self) -> str:
        return self.name


class SurpriseWin(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    surprise = models.ForeignKey(Surprise, on_delete=models.PROTECT, related_name="wins")
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="surprise_wins")
    voucher = models.OneToOneField("rewards.Voucher", on_delete=models.PROTECT, related_name="+")
    won_at = models.DateTimeField()
    cancelled_by = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-won_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["surprise", "purchase"], name="one_draw_per_purchase")]


class Board(models.TextChoices):
    VISITS = "visits", _("Top visitors")
    REFERRALS = "referrals", _("Top referrers")


class Community(models.Model):
    """The shop's community settings: badges, the monthly leaderboard, the ideas board."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="community")
    badges = models.BooleanField(default=True)
    leaderboard = models.BooleanField(default=False)
    ideas = models.BooleanField(default=False)
    since = models.DateTimeField(auto_now_add=True, help_text=_("leaderboard prizes are due from this month on"))

    class Meta:
        verbose_name_plural = "communities"


class LeaderboardPrize(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="leaderboard_prizes")
    board = models.CharField(max_length=20, choices=Board.choices, default=Board.VISITS)
    place = models.PositiveSmallIntegerField()
    reward = models.ForeignKey("rewards.Reward", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["board", "place"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "board", "place"], name="one_prize_per_place"),
            models.CheckConstraint(condition=Q(place__gte=1), name="prize_place_from_one"),
        ]


class LeaderboardAward(models.Model):
    """A month's place that won its prize: once per (shop, board, month, place)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    board = models.CharField(max_length=20, choices=Board.choices)
    month = models.DateField(help_text=_("the first day of the month"))
    place = models.PositiveSmallIntegerField()
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveIntegerField()
    voucher = models.OneToOneField("rewards.Voucher", on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "board", "month", "place"], name="one_award_per_place_month")
        ]


class MemberPreference(models.Model):
    """What a member chose about the fun: on the leaderboard or not (off until they say so)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="fun_preference")
    leaderboard = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)


class IdeaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")


class Idea(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="ideas")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="ideas")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.OPEN)
    answer = models.CharField(max_length=1000, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-votes", "-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "hidden"], name="idea_shop_hidden")]


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "member"], name="one_vote_per_member")]
