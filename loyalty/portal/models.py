"""The portal's own records: member imports, configuration versions, members' tags and bulk actions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from loyalty.models import LedgerEntry, Member, Shop
from rewards.models import Reward, Voucher


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("Members")
    PURCHASES = "purchases", _("Past purchases")


class MemberImport(models.Model):
    """A CSV file an owner brings in: its columns' mapping, what checking it found, and the import's progress.
    Of members, or of past purchases (loyalty.portal.purchase_imports)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ImportKind.choices, default=ImportKind.MEMBERS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=200)
    data = models.BinaryField()
    mapping = models.JSONField(default=dict, help_text=_("column index → field"))
    skip_invalid = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    rows = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0, help_text=_("members written so far"))
    total = models.PositiveIntegerField(default=0, help_text=_("members to write"))
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text=_("[row, column, reason] of each invalid cell"))
    failure = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def busy(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.RUNNING)


class ConfigVersion(models.Model):
    """The shop's whole configuration document after a change: who made it, when, and how (a template, a file,
    an editor, a restore). Restoring a version makes a new one."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["shop", "number"], name="config_version_number_per_shop")]

    def __str__(self) -> str:
        return f"{self.shop_id} v{self.number}"


class StartStep(models.Model):
    """A step of the start checklist the data cannot tell by itself (the poster was printed), or that the whole
    checklist is done, so the dashboard stops asking."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "step"], name="start_step_once_per_shop")]


class Tag(models.Model):
    """A label the shop puts on members ("wholesale", "VIP table"); one name once per shop, whatever its case."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("shop", Lower("name"), name="tag_name_once_per_shop")]

    def __str__(self) -> str:
        return self.name


class MemberTag(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="portal_tags")
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "member"], name="member_tag_once")]
        indexes = [models.Index(fields=["member"], name="member_tag_by_member")]


class BulkKind(models.TextChoices):
    POINTS = "points", _("Grant points")
    VOUCHER = "voucher", _("Grant a voucher")
    TAG = "tag", _("Add a tag")


class BulkStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class BulkAction(models.Model):
    """What a manager did to a selection of members: points or a voucher with a reason, or a tag. Its `key` comes
    with the confirmation form, so a double submit finds the action made by the first; each selected member is a
    BulkActionMember, handled once."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32)
    kind = models.CharField(max_length=10, choices=BulkKind.choices)
    points = models.PositiveIntegerField(default=0)
    reward = models.ForeignKey(Reward, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=BulkStatus.choices, default=BulkStatus.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="bulk_action_once_per_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.total})"

    @property
    def percent(self) -> int:
        if self.status == BulkStatus.DONE:
            return 100
        return round(100 * self.done / self.total) if self.total else 0


class BulkActionMember(models.Model):
    action = models.ForeignKey(BulkAction, on_delete=models.CASCADE, related_name="rows")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "member"], name="bulk_member_once")]
        indexes = [models.Index(fields=["action", "id"], condition=Q(handled_at__isnull=True), name="bulk_todo")]
