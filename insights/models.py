"""Insights: each member's RFM score and segment (rewritten nightly by the `segments` job), the daily count of
every segment (its trend), the owners' own segments (rules combined with and/or), and campaigns: a message,
points or a voucher for a segment, with a holdout group drawn at random, recorded, and measured against."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import LedgerEntry, Location, Member, Message, Shop
from rewards.models import Reward, Voucher


class RfmSegment(models.TextChoices):
    """The usual ten, from recency and the mean of frequency and money (each scored 1–5 among the shop's
    members with a purchase); see services/segments.py for the grid."""

    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALISTS = "potential_loyalists", _("Potential loyalists")
    NEW = "new", _("New")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose")
    HIBERNATING = "hibernating", _("Hibernating")


class RfmScore(models.Model):
    """A member's scores as of the job's last run: the figures they came from, so pages explain them."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="rfm")
    recency = models.PositiveSmallIntegerField()
    frequency = models.PositiveSmallIntegerField()
    monetary = models.PositiveSmallIntegerField()
    segment = models.CharField(max_length=20, choices=RfmSegment.choices)
    last_purchase_at = models.DateTimeField()
    visits = models.PositiveIntegerField(help_text=_("purchases in the scoring window"))
    spend = models.DecimalField(max_digits=16, decimal_places=4, help_text=_("kept (less refunds), in the window"))
    as_of = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["shop", "segment"], name="rfm_shop_segment")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.segment}"


class Match(models.TextChoices):
    ALL = "all", _("All of the rules")
    ANY = "any", _("Any of the rules")


class Segment(models.Model):
    """An owner's segment: rules (services/rules.py reads them) that all or any must hold."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="insight_segments")
    name = models.CharField(max_length=200)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    rules = models.JSONField(default=list, help_text=_('[{"field": "visits", "op": "gte", "value": 3}, …]'))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "name"], name="segment_name_unique_per_shop")]

    def __str__(self) -> str:
        return self.name


class SegmentCount(models.Model):
    """How many members a segment held on a day (the shop's calendar): one row per segment and day, so the
    trend is a read of a few rows. `key` is an RFM segment's code or `custom:<id>`."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=30)
    members = models.PositiveIntegerField()

    class Meta:
        ordering = ["day", "key"]
        constraints = [models.UniqueConstraint(fields=["shop", "day", "key"], name="segment_count_once_a_day")]


class CampaignStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(models.Model):
    """A message (or a bulk grant with only points or a voucher) for a segment at a moment. The audience is
    drawn once, with its holdout, when the campaign starts sending; each targeted member is then handled once."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="insight_campaigns")
    name = models.CharField(max_length=200)
    rfm_segment = models.CharField(max_length=20, choices=RfmSegment.choices, blank=True)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns")
    texts = models.JSONField(default=dict, blank=True, help_text=_('{"en": {"subject": …, "body": …}, "vi": …}'))
    points = models.PositiveIntegerField(default=0)
    reward = models.ForeignKey(Reward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True, help_text=_("why points or vouchers are given"))
    holdout_percent = models.PositiveSmallIntegerField(default=10)
    send_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True, help_text=_("when the audience was drawn"))
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-send_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(holdout_percent__lte=90), name="campaign_holdout_at_most_90"),
            models.CheckConstraint(
                condition=Q(rfm_segment="", segment__isnull=False) | (~Q(rfm_segment="") & Q(segment__isnull=True)),
                name="campaign_one_audience",
            ),
        ]
        indexes = [models.Index(fields=["status", "send_at"], name="campaign_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_message(self) -> bool:
        return bool(self.texts)


class Group(models.TextChoices):
    TARGET = "target", _("Targeted")
    HOLDOUT = "holdout", _("Held back")


class CampaignMember(models.Model):
    """A member of a campaign's audience, in its group; `handled_at` once what they get was given (in the same
    transaction as the message, the points and the voucher), so a killed job resumes where it stopped."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="audience")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=7, choices=Group.choices)
    handled_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "member"], name="campaign_member_once")]
        indexes = [
            models.Index(
                fields=["campaign", "id"], condition=Q(group="target", handled_at__isnull=True), name="campaign_todo"
            )
        ]


class Snapshot(models.Model):
    """What the dashboard would otherwise read from a year of the ledger and six months of purchases, kept by the
    nightly `segments` job: the points expired and redeemed in the year before `as_of` (the breakage rate) and the
    cohort table up to `as_of`, for the whole shop ("") and each location (its id)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateTimeField()
    expired = models.BigIntegerField()
    redeemed = models.BigIntegerField()
    cohorts = models.JSONField(help_text=_('{"": [["2031-05-01", size, [active, …]], …], "<location id>": …}'))

    def __str__(self) -> str:
        return f"{self.shop_id} as of {self.as_of:%Y-%m-%d %H:%M}"


class DayFigures(models.Model):
    """The sums of one day of the shop's calendar at one location (None: what has no location), kept by the
    `insights_rollups` job (rollups.py) so a period's report adds up a few rows instead of reading its purchases
    and ledger. Each column is what report.py's live sums would give for that day and place."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    enrolled = models.PositiveIntegerField(default=0)
    purchases = models.PositiveIntegerField(default=0)
    member_purchases = models.PositiveIntegerField(default=0)
    member_sales = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    other_sales = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    issued = models.BigIntegerField(default=0)
    reversed = models.BigIntegerField(default=0)
    redeemed = models.BigIntegerField(default=0)
    given_back = models.BigIntegerField(default=0)
    expired = models.BigIntegerField(default=0)
    adjusted = models.BigIntegerField(default=0)
    vouchers_issued = models.PositiveIntegerField(default=0)
    vouchers_used = models.PositiveIntegerField(default=0)
    rewards_cost = models.DecimalField(max_digits=20, decimal_places=4, default=0)

    class Meta:
        indexes = [models.Index(fields=["shop", "day"], name="day_figures_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} at {self.location_id}"


class RollupState(models.Model):
    """How far a shop's roll-ups go: the days up to `through` are rolled up, from the rows up to each table's
    `*_seen` id (a row with a larger id arrived since: the report reads its day live); `*_before` are the previous
    run's, from where the next run looks for late rows again (a transaction that committed after the run)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="+")
    through = models.DateField()
    as_of = models.DateTimeField()
    seen = models.JSONField(help_text=_('{"purchase": id, "entry": id, "refund": id, "member": id, "voucher": id}'))
    seen_before = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.shop_id} through {self.through}"


class DirtyDay(models.Model):
    """A rolled-up day that a change other than a new row made stale (a duplicate member merged away): the report
    reads it live until the next run recomputes it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="dirty_day_once")]


class MemberVisits(models.Model):
    """A member's two latest purchases, at the whole shop (`place` 0) and at each location (its id), from the
    purchases up to the roll-up's `seen` purchase id: whether they bought in a period running up to now, and
    twice, is read from here plus the purchases since."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    place = models.BigIntegerField()
    last_at = models.DateTimeField()
    previous_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "place"], name="member_visits_once_a_place")]
        indexes = [
            models.Index(
                fields=["shop", "place", "last_at"], include=["member", "previous_at"], name="member_visits_recent"
            )
        ]
