"""A points program and the configuration rows its rules are evaluated from."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .shops import Shop

MONEY = {"max_digits": 16, "decimal_places": 4}
RATIO = {"max_digits": 12, "decimal_places": 4}


class Rounding(models.TextChoices):
    DOWN = "down", _("Down")
    NEAREST = "nearest", _("Nearest")
    UP = "up", _("Up")


class ExpiryPolicy(models.TextChoices):
    NONE = "none", _("Points never expire")
    DAYS_AFTER_EARN = "days_after_earn", _("A number of days after they are earned")
    MONTHS_AFTER_EARN_MONTH = "months_after_earn_month", _("Months after the month they were earned")
    INACTIVITY = "inactivity", _("After a period without purchases")


class TierBasis(models.TextChoices):
    POINTS_EARNED = "points_earned", _("Points earned")
    AMOUNT_SPENT = "amount_spent", _("Amount spent")
    VISITS = "visits", _("Visits")


class TierWindow(models.TextChoices):
    LIFETIME = "lifetime", _("Lifetime")
    CALENDAR_YEAR = "calendar_year", _("Calendar year")
    ROLLING_12_MONTHS = "rolling_12_months", _("Rolling 12 months")


class Program(models.Model):
    """A points currency. A shop's own program; later a coalition's program shared by several shops."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="program", null=True, blank=True)
    name = models.CharField(max_length=200)
    points_name = models.CharField(max_length=50, default="points")
    points_name_one = models.CharField(
        max_length=50, blank=True, help_text=_("the name of one point (“star”); blank: the same as points_name")
    )
    point_value = models.DecimalField(**MONEY, default=Decimal("0"))
    earn_per_amount = models.DecimalField(**MONEY, default=Decimal("1"))
    earn_points = models.PositiveIntegerField(default=1)
    rounding = models.CharField(max_length=10, choices=Rounding.choices, default=Rounding.DOWN)
    min_spend = models.DecimalField(**MONEY, default=Decimal("0"))
    exclude_categories = models.JSONField(default=list, blank=True)
    pending_days = models.PositiveIntegerField(default=0)
    expiry_policy = models.CharField(max_length=30, choices=ExpiryPolicy.choices, default=ExpiryPolicy.NONE)
    expiry_days = models.PositiveIntegerField(null=True, blank=True)
    expiry_months = models.PositiveIntegerField(null=True, blank=True)
    backdate_days = models.PositiveIntegerField(default=90)
    tier_basis = models.CharField(max_length=20, choices=TierBasis.choices, default=TierBasis.POINTS_EARNED)
    tier_window = models.CharField(max_length=20, choices=TierWindow.choices, default=TierWindow.LIFETIME)
    downgrade_grace_days = models.PositiveIntegerField(default=0)
    cashback_percent = models.DecimalField(**RATIO, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(earn_per_amount__gt=0), name="program_earn_per_amount_positive"),
            models.CheckConstraint(condition=Q(point_value__gte=0), name="program_point_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_tiers(self) -> bool:
        return self.tiers.exists()


class CategoryMultiplier(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="category_multipliers")
    category = models.CharField(max_length=100)
    multiplier = models.DecimalField(**RATIO)

    class Meta:
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["program", "category"], name="one_multiplier_per_category")]


class Campaign(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="campaigns")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    multiplier = models.DecimalField(**RATIO)
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True, help_text=_("exclusive"))
    weekdays = models.JSONField(default=list, blank=True, help_text=_("ISO weekdays, Monday 1 … Sunday 7"))
    hours = models.JSONField(default=list, blank=True, help_text=_('["17:00", "19:00"]'))
    categories = models.JSONField(default=list, blank=True)
    tiers = models.JSONField(default=list, blank=True)
    locations = models.JSONField(default=list, blank=True)
    payment_methods = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["starts", "code"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="campaign_code_unique")]

    def __str__(self) -> str:
        return self.name


class LimitPeriod(models.TextChoices):
    DAY = "day", _("a day")
    WEEK = "week", _("a week")
    MONTH = "month", _("a month")
    YEAR = "year", _("a year")
    LIFETIME = "lifetime", _("a lifetime")


class Bonus(models.Model):
    """Points for an event: signup, birthday, profile_complete, newsletter_signup, review, social_follow, custom."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="bonuses")
    event = models.SlugField(max_length=60)
    points = models.PositiveIntegerField()
    limit_count = models.PositiveIntegerField(null=True, blank=True)
    limit_per = models.CharField(max_length=10, choices=LimitPeriod.choices, blank=True)

    class Meta:
        ordering = ["event"]
        constraints = [models.UniqueConstraint(fields=["program", "event"], name="one_bonus_per_event")]

    def __str__(self) -> str:
        return f"{self.event}: {self.points}"


class TierLevel(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    threshold = models.DecimalField(**MONEY)
    multiplier = models.DecimalField(**RATIO, default=Decimal("1"))
    discount_percent = models.DecimalField(**RATIO, default=Decimal("0"))

    class Meta:
        ordering = ["threshold"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="tier_code_unique"),
            models.UniqueConstraint(fields=["program", "threshold"], name="tier_threshold_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class StampPer(models.TextChoices):
    VISIT = "visit", _("One stamp per visit")
    ITEM = "item", _("One stamp per item")


class StampCard(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="stamp_cards")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    stamps_required = models.PositiveIntegerField()
    per = models.CharField(max_length=10, choices=StampPer.choices, default=StampPer.VISIT)
    categories = models.JSONField(default=list, blank=True)
    min_spend = models.DecimalField(**MONEY, default=Decimal("0"))
    cooldown_minutes = models.PositiveIntegerField(default=0)
    reward_code = models.SlugField(max_length=60, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="stamp_card_code_unique"),
            models.CheckConstraint(condition=Q(stamps_required__gt=0), name="stamp_card_requires_stamps"),
        ]

    def __str__(self) -> str:
        return self.name
