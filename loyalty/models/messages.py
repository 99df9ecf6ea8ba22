"""Messages sent to members (email, SMS, Zalo): one row per message, whether sent, failed or skipped."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")


class MessageKind(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    MARKETING = "marketing", _("Marketing")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Message(models.Model):
    shop = models.ForeignKey("loyalty.Shop", on_delete=models.CASCADE, related_name="messages")
    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="messages")
    event = models.CharField(max_length=40)
    kind = models.CharField(max_length=15, choices=MessageKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=5)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    reason = models.CharField(max_length=200, blank=True, help_text=_("why it was skipped, or the last error"))
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("a delivery attempt holds the message until then + the lease")
    )
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, help_text=_("sent at most once per key"))
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "dedupe_key"], condition=Q(dedupe_key__isnull=False), name="message_once_per_key"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "kind", "created_at"]),
            models.Index(fields=["shop", "-created_at", "-id"], name="message_log_of_shop"),
            models.Index(fields=["status", "created_at"], name="message_queued", condition=Q(status="queued")),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.to or self.member_id} ({self.status})"
