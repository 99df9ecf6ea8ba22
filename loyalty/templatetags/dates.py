"""Dates as people read them in templates (see loyalty.formats)."""

from django import template
from django.utils import timezone

from loyalty.formats import last_usable_day as last_usable_day_in

register = template.Library()


@register.filter
def last_usable_day(expires_at):
    """The last day, in the current time zone (the shop's on its pages), on which something expiring then works."""
    return last_usable_day_in(expires_at, timezone.get_current_timezone()) if expires_at else None
