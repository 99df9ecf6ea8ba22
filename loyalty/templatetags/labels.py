"""`{% entry_description entry reward_names %}`: what a ledger entry was for, in the page's language
(loyalty/labels.py); `reward_names` maps the shop's reward codes to their names (rewards.selectors.reward_names)."""

from django import template

from loyalty.labels import entry_description as describe

register = template.Library()


@register.simple_tag
def entry_description(entry, reward_names=None) -> str:
    return describe(entry, reward_names)
