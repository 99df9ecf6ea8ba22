"""A change to any configuration row marks its program as changed, so cached rules are reloaded; a change to a
webhook endpoint marks its shop, so cached endpoint lists are reloaded."""

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from loyalty.models import Bonus, Campaign, CategoryMultiplier, Program, Shop, StampCard, TierLevel, WebhookEndpoint
from loyalty.services.webhooks import endpoints_forget
from rewards.models import Reward


def program_changed(sender, instance, **kwargs) -> None:
    Program.objects.filter(pk=instance.program_id).update(updated_at=timezone.now())


def catalogue_changed(sender, instance, **kwargs) -> None:
    """The rules keep the prices of the shop's rewards."""
    Program.objects.filter(shop_id=instance.shop_id).update(updated_at=timezone.now())


def endpoints_changed(sender, instance, **kwargs) -> None:
    Shop.objects.filter(pk=instance.shop_id).update(webhooks_changed_at=timezone.now())
    endpoints_forget(instance.shop_id)


for model in (Bonus, Campaign, CategoryMultiplier, StampCard, TierLevel):
    post_save.connect(program_changed, sender=model, dispatch_uid=f"program-changed-save-{model.__name__}")
    post_delete.connect(program_changed, sender=model, dispatch_uid=f"program-changed-delete-{model.__name__}")
post_save.connect(catalogue_changed, sender=Reward, dispatch_uid="catalogue-changed-save")
post_delete.connect(catalogue_changed, sender=Reward, dispatch_uid="catalogue-changed-delete")
post_save.connect(endpoints_changed, sender=WebhookEndpoint, dispatch_uid="endpoints-changed-save")
post_delete.connect(endpoints_changed, sender=WebhookEndpoint, dispatch_uid="endpoints-changed-delete")
