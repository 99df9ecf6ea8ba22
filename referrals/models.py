"""Referral programs: a shop's program (the configuration's `referral` section) and its milestone ladder, the
referrals members make (one per friend), the milestone rewards given, and the opened links the funnel counts."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loyalty.models import LedgerEntry, Member, Purchase, Shop
from rewards.models import Reward, Voucher


class ReferralProgram(models.Model):
    """A shop runs a referral program when it has this row and it is enabled."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="referral_program")
    enabled = models.BooleanField(default=True)
    referee_reward = models.ForeignKey(Reward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referrer_points = models.PositiveIntegerField(default=0)
    review_days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("days after the friend's first purchase; empty: the program's pending days")
    )
    max_per_week = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("approved referrals per referrer per ISO week; empty: no cap")
    )
    leaderboard = models.BooleanField(default=False, help_text=_("show the month's top referrers on member pages"))

    def __str__(self) -> str:
        return f"referral program of {self.shop}"


class Milestone(models.Model):
    """A rung of the ladder: `reward` when a referrer's approved referrals reach `count`."""

    program = models.ForeignKey(ReferralProgram, on_delete=models.CASCADE, related_name="milestones")
    count = models.PositiveIntegerField()
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["count"]
        constraints = [
            models.UniqueConstraint(fields=["program", "count"], name="milestone_count_unique_per_program"),
            models.CheckConstraint(condition=Q(count__gte=1), name="milestone_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.count} → {self.reward.code}"


class Status(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    PURCHASED = "purchased", _("Purchased")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    VOIDED = "voided", _("Voided")


class Reason(models.TextChoices):
    """Why a referral was rejected, voided or held for review: shown to the owner."""

    OWN_EMAIL = "own_email", _("The friend's email is the referrer's own.")
    OWN_PHONE = "own_phone", _("The friend's phone is the referrer's own.")
    EXISTING_MEMBER = "existing_member", _("The friend's email already belongs to a member.")
    WEEKLY_CAP = "weekly_cap", _("The referrer reached the week's limit of approved referrals.")
    SAME_DEVICE = "same_device", _("Several sign-ups with this code from one browser in a short time.")
    OWNER_REJECTED = "owner_rejected", _("Rejected by the shop after review.")
    SAME_PERSON = "same_person", _("The friend and the referrer turned out to be one person (members merged).")
    ALREADY_REFERRED = "already_referred", _("The friend already had a referrer (members merged: the first wins).")
    REFUNDED = "refunded", _("The friend's first purchase was refunded in full.")
    REFUNDED_AFTER_APPROVAL = (
        "refunded_after_approval",
        _("The friend's first purchase was refunded in full after approval; the referrer's points were taken back."),
    )


class Review(models.TextChoices):
    NONE = "", _("Not needed")
    PENDING = "pending", _("Waiting for review")
    CLEARED = "cleared", _("Cleared by the shop")


class Referral(models.Model):
    """One friend's referral: `signed_up` at enrolment, `purchased` at their first purchase, `approved` by the
    job `review_days` after it (or `rejected` / `voided`, with the reason). A friend has one referrer."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="referrals")
    referrer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referrals_made")
    referee = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="referral")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SIGNED_UP)
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True)
    review = models.CharField(max_length=10, choices=Review.choices, blank=True, default=Review.NONE)
    channel = models.CharField(max_length=20, blank=True, help_text=_("where the friend joined"))
    device = models.CharField(max_length=40, blank=True, help_text=_("the browser's id (public pages only)"))
    created_at = models.DateTimeField()
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purchased_at = models.DateTimeField(null=True, blank=True, help_text=_("the first purchase's occurred_at"))
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("approved from this moment"))
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("rejected or voided"))
    points_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="referral_approved"
    )
    referee_voucher = models.OneToOneField(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="referral_welcome"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="purchased"), name="referral_due"),
            models.Index(fields=["referrer", "status"], name="referral_by_referrer"),
            models.Index(fields=["referrer", "approved_at"], name="referral_approved_by_week"),
            models.Index(fields=["shop", "-created_at"], name="referral_of_shop"),
            models.Index(fields=["referrer", "device", "created_at"], name="referral_device"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(referrer=models.F("referee")), name="referral_not_self"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False), name="referral_approved_has_moment"
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.status})"

    @property
    def held(self) -> bool:
        return self.review == Review.PENDING


class MilestoneAward(models.Model):
    """A milestone reward given to a referrer: once per referrer and count, whatever races or re-runs."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referral_milestones")
    count = models.PositiveIntegerField()
    voucher = models.OneToOneField(Voucher, on_delete=models.PROTECT, related_name="referral_milestone")
    at = models.DateTimeField()

    class Meta:
        ordering = ["count"]
        constraints = [
            models.UniqueConstraint(fields=["referrer", "count"], name="milestone_award_once_per_referrer"),
        ]


class LinkVisit(models.Model):
    """A referral link (/r/<code>) opened: the funnel's first step."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    device = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "at"], name="referral_visit_of_shop")]


class VanityCode(models.Model):
    """A referral code the member chose (once): the code drawn at enrolment is kept here, so links already shared
    with it keep working."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="vanity_code")
    drawn_code = models.CharField(max_length=16, unique=True)
    at = models.DateTimeField()


class LeaderboardEntry(models.Model):
    """A member who chose to appear on their shop's referral leaderboard (first name and initial only)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="referral_leaderboard")
    at = models.DateTimeField()
