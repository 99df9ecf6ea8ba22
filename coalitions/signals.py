"""A change of a coalition or of its shops marks their programs as changed, so the per-process answers of
coalitions.selectors.coalition_of are judged again (the way loyalty.signals does for the program's rules)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from loyalty.models import Program

from .models import Coalition, CoalitionShop


@receiver([post_save, post_delete], sender=CoalitionShop)
def coalition_shop_changed(sender, instance, **_kwargs) -> None:
    Program.objects.filter(shop_id=instance.shop_id).update(updated_at=timezone.now())


@receiver(post_save, sender=Coalition)
def coalition_changed(sender, instance, **_kwargs) -> None:
    shops = CoalitionShop.objects.filter(coalition=instance).values("shop_id")
    Program.objects.filter(shop_id__in=shops).update(updated_at=timezone.now())
