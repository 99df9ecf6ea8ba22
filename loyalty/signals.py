"""A change to any configuration row marks its program as changed, so cached rules are reloaded."""
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from loyalty.models import Bonus, Campaign, CategoryMultiplier, Program, StampCard, TierLevel


def program_changed(sender, instance, **kwargs) -> None:
    Program.objects.filter(pk=instance.program_id).update(updated_at=timezone.now())


for model in (Bonus, Campaign, CategoryMultiplier, StampCard, TierLevel):
    post_save.connect(program_changed, sender=model, dispatch_uid=f"program-changed-save-{model.__name__}")
    post_delete.connect(program_changed, sender=model, dispatch_uid=f"program-changed-delete-{model.__name__}")
